package kql

import (
	"strconv"
	"strings"
	"time"
)

// dateParser resolves query dates the way Elasticsearch's date math
// parser does for a date field with the default format
// strict_date_optional_time||epoch_millis: "now" is the Now option,
// dates without an offset are in the location option.
type dateParser struct {
	now time.Time
	loc *time.Location
}

// interval is what a query date denotes: every instant from lo up to
// (not including) next. An exact instant has next = lo + one tick.
type interval struct {
	lo, next time.Time
	exact    bool
}

// parse resolves a query date such as "now-15m/m", "2026-11-28",
// "2026-11-28T10:00:00Z||+1d" or epoch milliseconds.
func (p *dateParser) parse(s string) (interval, bool) {
	s = strings.TrimSpace(s)
	var base interval
	var math string
	switch {
	case strings.HasPrefix(s, "now"):
		base = interval{lo: p.now, exact: true}
		math = s[3:]
	default:
		if i := strings.Index(s, "||"); i >= 0 {
			iv, ok := parseDateTime(s[:i], p.loc)
			if !ok {
				return interval{}, false
			}
			base = interval{lo: iv.lo, exact: true}
			math = s[i+2:]
		} else {
			return parseDateTime(s, p.loc)
		}
	}
	iv, ok := applyDateMath(base, math, p.loc)
	return iv, ok
}

// bounds returns the first and last instant of the interval as Unix
// milliseconds (or nanoseconds).
func (iv interval) bounds(nanos bool) (lo, hi int64) {
	if nanos {
		lo = iv.lo.UnixNano()
		if iv.exact {
			return lo, lo
		}
		return lo, iv.next.UnixNano() - 1
	}
	lo = iv.lo.UnixMilli()
	if iv.exact {
		return lo, lo
	}
	return lo, iv.next.UnixMilli() - 1
}

func applyDateMath(iv interval, math string, loc *time.Location) (interval, bool) {
	i := 0
	for i < len(math) {
		op := math[i]
		i++
		switch op {
		case '/':
			if i >= len(math) {
				return interval{}, false
			}
			u := math[i]
			i++
			lo, next, ok := roundUnit(iv.lo.In(loc), u)
			if !ok {
				return interval{}, false
			}
			iv = interval{lo: lo, next: next}
		case '+', '-':
			j := i
			for j < len(math) && math[j] >= '0' && math[j] <= '9' {
				j++
			}
			n := 1
			if j > i {
				v, err := strconv.Atoi(math[i:j])
				if err != nil || v > 1_000_000 {
					return interval{}, false
				}
				n = v
			}
			if j >= len(math) {
				return interval{}, false
			}
			if op == '-' {
				n = -n
			}
			u := math[j]
			i = j + 1
			var ok bool
			if iv.lo, ok = addUnit(iv.lo.In(loc), u, n); !ok {
				return interval{}, false
			}
			if !iv.exact {
				iv.next, _ = addUnit(iv.next.In(loc), u, n)
			}
		default:
			return interval{}, false
		}
	}
	return iv, true
}

func addUnit(t time.Time, u byte, n int) (time.Time, bool) {
	switch u {
	case 'y':
		return t.AddDate(n, 0, 0), true
	case 'M':
		return t.AddDate(0, n, 0), true
	case 'w':
		return t.AddDate(0, 0, 7*n), true
	case 'd':
		return t.AddDate(0, 0, n), true
	case 'h', 'H':
		return t.Add(time.Duration(n) * time.Hour), true
	case 'm':
		return t.Add(time.Duration(n) * time.Minute), true
	case 's':
		return t.Add(time.Duration(n) * time.Second), true
	}
	return t, false
}

// roundUnit returns the start of the unit holding t and the start of the
// next one (weeks start on Monday).
func roundUnit(t time.Time, u byte) (time.Time, time.Time, bool) {
	loc := t.Location()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	var lo time.Time
	switch u {
	case 'y':
		lo = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return lo, lo.AddDate(1, 0, 0), true
	case 'M':
		lo = time.Date(y, mo, 1, 0, 0, 0, 0, loc)
		return lo, lo.AddDate(0, 1, 0), true
	case 'w':
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		lo = time.Date(y, mo, d-wd, 0, 0, 0, 0, loc)
		return lo, lo.AddDate(0, 0, 7), true
	case 'd':
		lo = time.Date(y, mo, d, 0, 0, 0, 0, loc)
		return lo, lo.AddDate(0, 0, 1), true
	case 'h', 'H':
		lo = time.Date(y, mo, d, h, 0, 0, 0, loc)
		return lo, lo.Add(time.Hour), true
	case 'm':
		lo = time.Date(y, mo, d, h, mi, 0, 0, loc)
		return lo, lo.Add(time.Minute), true
	case 's':
		lo = time.Date(y, mo, d, h, mi, s, 0, loc)
		return lo, lo.Add(time.Second), true
	}
	return t, t, false
}

// parseDateTime parses strict_date_optional_time (yyyy[-MM[-dd[THH[:mm
// [:ss[.fraction]]]]]] with an optional Z or ±HH[:]mm offset after the
// time) or epoch milliseconds. The interval spans the precision written:
// "2026-11" is all of November.
func parseDateTime(s string, loc *time.Location) (interval, bool) {
	if s == "" {
		return interval{}, false
	}
	if allDigits(s) && len(s) != 4 {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return interval{}, false
		}
		t := time.UnixMilli(ms)
		return interval{lo: t, exact: true}, true
	}
	if s[0] == '-' && len(s) > 1 && allDigits(s[1:]) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return interval{}, false
		}
		return interval{lo: time.UnixMilli(ms), exact: true}, true
	}
	i := 0
	num := func(n int) (int, bool) {
		if i+n > len(s) || !allDigits(s[i:i+n]) {
			return 0, false
		}
		v, _ := strconv.Atoi(s[i : i+n])
		i += n
		return v, true
	}
	y, ok := num(4)
	if !ok {
		return interval{}, false
	}
	mo, d, h, mi, sec, nsec := 1, 1, 0, 0, 0, 0
	unit := byte('y')
	fracDigits := 0
	if i < len(s) && s[i] == '-' {
		i++
		if mo, ok = num(2); !ok || mo < 1 || mo > 12 {
			return interval{}, false
		}
		unit = 'M'
		if i < len(s) && s[i] == '-' {
			i++
			if d, ok = num(2); !ok || d < 1 || d > daysIn(y, mo) {
				return interval{}, false
			}
			unit = 'd'
		}
	}
	if unit == 'd' && i < len(s) && s[i] == 'T' {
		i++
		if h, ok = num(2); !ok || h > 23 {
			return interval{}, false
		}
		unit = 'h'
		if i < len(s) && s[i] == ':' {
			i++
			if mi, ok = num(2); !ok || mi > 59 {
				return interval{}, false
			}
			unit = 'm'
			if i < len(s) && s[i] == ':' {
				i++
				if sec, ok = num(2); !ok || sec > 59 {
					return interval{}, false
				}
				unit = 's'
				if i < len(s) && (s[i] == '.' || s[i] == ',') {
					i++
					j := i
					for j < len(s) && s[j] >= '0' && s[j] <= '9' {
						j++
					}
					fracDigits = j - i
					if fracDigits == 0 || fracDigits > 9 {
						return interval{}, false
					}
					f := s[i:j] + strings.Repeat("0", 9-fracDigits)
					nsec, _ = strconv.Atoi(f)
					i = j
				}
			}
		}
	}
	zone := loc
	if i < len(s) && unit != 'y' && unit != 'M' && unit != 'd' {
		switch s[i] {
		case 'Z':
			zone = time.UTC
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			i++
			oh, ok := num(2)
			if !ok || oh > 18 {
				return interval{}, false
			}
			om := 0
			if i < len(s) && s[i] == ':' {
				i++
			}
			if i < len(s) {
				if om, ok = num(2); !ok || om > 59 {
					return interval{}, false
				}
			}
			zone = time.FixedZone("", sign*(oh*3600+om*60))
		}
	}
	if i != len(s) {
		return interval{}, false
	}
	lo := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, zone)
	var next time.Time
	switch unit {
	case 'y':
		next = lo.AddDate(1, 0, 0)
	case 'M':
		next = lo.AddDate(0, 1, 0)
	case 'd':
		next = lo.AddDate(0, 0, 1)
	case 'h':
		next = lo.Add(time.Hour)
	case 'm':
		next = lo.Add(time.Minute)
	case 's':
		if fracDigits > 0 {
			return interval{lo: lo, exact: true}, true
		}
		next = lo.Add(time.Second)
	}
	return interval{lo: lo, next: next}, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// docInstant reads a document value as an instant: epoch milliseconds as
// a number or digit string, or an ISO date (UTC when it has no offset,
// like Elasticsearch at index time).
func (p *dateParser) docInstant(v Value, nanos bool) (int64, bool) {
	var t time.Time
	switch v.Kind {
	case KindNumber:
		t = time.UnixMilli(int64(v.Num))
	case KindString:
		iv, ok := parseDateTime(strings.TrimSpace(v.Str), time.UTC)
		if !ok {
			return 0, false
		}
		t = iv.lo
	default:
		return 0, false
	}
	if nanos {
		return t.UnixNano(), true
	}
	return t.UnixMilli(), true
}
