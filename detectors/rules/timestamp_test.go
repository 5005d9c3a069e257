package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// overrideRule is a query rule on event.ingested, as the seed rule is.
func overrideRule(fallbackDisabled bool) *Rule {
	return &Rule{
		RuleID: "ts", Name: "override", Severity: triage.Low, RiskScore: 1, Type: TypeQuery, Language: LanguageKuery,
		Query: "url.path:/x", Interval: "5m", MaxSignals: 2, Enabled: true,
		TimestampOverride: "event.ingested", TimestampOverrideFallbackDisabled: fallbackDisabled,
	}
}

// tsDoc is an event at @timestamp ts; ingested is the raw JSON value of
// event.ingested, or "" to leave the field out.
func tsDoc(id, ts, ingested string) string {
	ev := fmt.Sprintf(`"id":%q`, id)
	if ingested != "" {
		ev += `,"ingested":` + ingested
	}
	return fmt.Sprintf(`{"@timestamp":%q,"event":{%s},"url":{"path":"/x"}}`, ts, ev)
}

func runRule(t *testing.T, r *Rule, docs ...string) ([]triage.Finding, []triage.Lint) {
	t.Helper()
	d, err := New(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return run(d, parse(t, docs...))
}

// TestTimestampOverrideFindingTime is issue 14.5: a rule with
// timestamp_override dates its findings by that field, and by @timestamp
// when an event lacks it, as Elastic falls back unless told not to.
func TestTimestampOverrideFindingTime(t *testing.T) {
	at := "2026-11-03T09:00:00Z"
	tests := []struct {
		name     string
		disabled bool
		doc      string
		want     string // the finding's time; "" for no finding
	}{
		{"override present", false, tsDoc("e1", at, `"2026-11-03T09:10:02Z"`), "2026-11-03T09:10:02Z"},
		{"override as epoch milliseconds", false, tsDoc("e1", at, "1793701200000"), "2026-11-03T10:20:00Z"},
		{"override absent: @timestamp", false, tsDoc("e1", at, ""), at},
		{"override not a date: @timestamp", false, tsDoc("e1", at, `"soon"`), at},
		{"override null: @timestamp", false, tsDoc("e1", at, "null"), at},
		{"fallback disabled, override present", true, tsDoc("e1", at, `"2026-11-03T09:10:02Z"`), "2026-11-03T09:10:02Z"},
		{"fallback disabled, override absent: not searched", true, tsDoc("e1", at, ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, _ := runRule(t, overrideRule(tt.disabled), tt.doc)
			if tt.want == "" {
				if len(fs) != 0 {
					t.Errorf("finding %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			if got := fs[0].Timestamp.UTC().Format(time.RFC3339); got != tt.want {
				t.Errorf("finding at %s, want %s", got, tt.want)
			}
		})
	}
}

// TestTimestampOverrideAlertCap: the alert-cap runs are windows of the
// override field's time, not of @timestamp.
func TestTimestampOverrideAlertCap(t *testing.T) {
	tests := []struct {
		name string
		docs []string
		lint string // "" for no cap lint
	}{
		{
			// Written over 20 minutes, ingested within one 5-minute run.
			name: "late arrivals ingested together",
			docs: []string{
				tsDoc("e1", "2026-11-03T09:00:00Z", `"2026-11-03T10:00:01Z"`),
				tsDoc("e2", "2026-11-03T09:10:00Z", `"2026-11-03T10:00:02Z"`),
				tsDoc("e3", "2026-11-03T09:20:00Z", `"2026-11-03T10:00:03Z"`),
			},
			lint: "Elastic would have raised at most 2 of these 3 in one 5-minute run (from 2026-11-03 10:00 UTC)",
		},
		{
			// Written together, ingested in three runs.
			name: "a burst ingested slowly",
			docs: []string{
				tsDoc("e1", "2026-11-03T09:00:00Z", `"2026-11-03T10:00:00Z"`),
				tsDoc("e2", "2026-11-03T09:00:01Z", `"2026-11-03T10:05:00Z"`),
				tsDoc("e3", "2026-11-03T09:00:02Z", `"2026-11-03T10:10:00Z"`),
			},
		},
		{
			// Events without the field fall into their @timestamp's run.
			name: "mixed: override and fallback share a run",
			docs: []string{
				tsDoc("e1", "2026-11-03T08:00:00Z", `"2026-11-03T10:00:01Z"`),
				tsDoc("e2", "2026-11-03T10:01:00Z", ""),
				tsDoc("e3", "2026-11-03T10:02:00Z", ""),
			},
			lint: "Elastic would have raised at most 2 of these 3 in one 5-minute run (from 2026-11-03 10:00 UTC)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ls := runRule(t, overrideRule(false), tt.docs...)
			got := ""
			for _, l := range ls {
				if strings.HasPrefix(l.Message, "Elastic would have") {
					got = l.Message
				}
			}
			if tt.lint == "" && got != "" || tt.lint != "" && !strings.HasPrefix(got, tt.lint) {
				t.Errorf("cap lint %q, want %q", got, tt.lint)
			}
		})
	}
}

// TestTimestampOverrideFallbackDisabledLint: events Elastic would not
// search are counted and named, not dropped silently.
func TestTimestampOverrideFallbackDisabledLint(t *testing.T) {
	fs, ls := runRule(t, overrideRule(true),
		tsDoc("e1", "2026-11-03T09:00:00Z", ""),
		tsDoc("e2", "2026-11-03T09:00:01Z", `"2026-11-03T09:00:02Z"`),
		tsDoc("e3", "2026-11-03T09:00:03Z", ""),
	)
	if len(fs) != 1 || fs[0].Evidence[0].ID != "e2" {
		t.Errorf("findings %+v, want e2 alone", fs)
	}
	want := "2 events match the rule but lack event.ingested, its timestamp_override, and the rule turns off the @timestamp fallback (timestamp_override_fallback_disabled): Elastic would not search them, so Picket raises no finding for them, e.g. e1, e3"
	if len(ls) != 1 || ls[0].Message != want || ls[0].Count != 2 {
		t.Errorf("lints %+v\nwant %s", ls, want)
	}
}

// TestTimestampOverrideFields: both rule formats carry the fallback
// setting.
func TestTimestampOverrideFields(t *testing.T) {
	tests := []struct {
		name     string
		load     func() (*Rule, error)
		override string
		disabled bool
	}{
		{"TOML", func() (*Rule, error) {
			return ParseTOML("r.toml", []byte(tomlRule("r", "n", 1, "")+"timestamp_override = \"event.ingested\"\ntimestamp_override_fallback_disabled = true\n"))
		}, "event.ingested", true},
		{"NDJSON", func() (*Rule, error) {
			rs, errs := ParseNDJSON("r.ndjson", strings.NewReader(`{"rule_id":"r","name":"n","severity":"low","risk_score":1,"type":"query","query":"a:b","timestamp_override":"event.ingested","timestamp_override_fallback_disabled":false}`))
			if len(errs) > 0 {
				return nil, errs[0]
			}
			return rs[0], nil
		}, "event.ingested", false},
		{"seed rule", func() (*Rule, error) { return Builtin()[0], nil }, "event.ingested", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.load()
			if err != nil {
				t.Fatal(err)
			}
			if r.TimestampOverride != tt.override || r.TimestampOverrideFallbackDisabled != tt.disabled {
				t.Errorf("override %q, fallback disabled %v", r.TimestampOverride, r.TimestampOverrideFallbackDisabled)
			}
		})
	}
}
