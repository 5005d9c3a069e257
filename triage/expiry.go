package triage

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ParseExpiry reads when an exception or allowlist entry expires: ""
// (never), a duration from now such as 7d, 24h or 90m, a date 2026-12-31
// (the end of that day, UTC) or an RFC 3339 time. A time in the past is
// refused. The console's dialogs and picket allowlist add --expires both
// call it.
func ParseExpiry(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > 0 {
			return now.Add(time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if dur, err := time.ParseDuration(v); err == nil && dur > 0 {
		return now.Add(dur), nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		t = t.Add(24*time.Hour - time.Millisecond)
		if !t.After(now) {
			return time.Time{}, errors.New("the expiry is in the past")
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		if !t.After(now) {
			return time.Time{}, errors.New("the expiry is in the past")
		}
		return t, nil
	}
	return time.Time{}, errors.New("expiry: use 7d, 24h, 2026-12-31 or leave it empty")
}
