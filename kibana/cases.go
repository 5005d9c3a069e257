package kibana

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"picket/casefile"
	"picket/triage"
)

// Cases pushes cases to Kibana's Cases API (POST /api/cases, then
// comments and alert attachments), for teams that track work in Kibana.
// Authentication is an API key, or a user name and password.
type Cases struct {
	URL      string // Kibana base URL, e.g. https://kibana.example.com:5601
	Space    string // Kibana space; "" or "default" for the default space
	APIKey   string // base64 "id:key" as Elasticsearch issues it
	Username string
	Password string
	Client   *http.Client // nil: http.DefaultClient with a 30s timeout
}

// String describes k without its credentials, so a client printed by
// mistake (%v, %+v) leaks nothing.
func (k Cases) String() string {
	auth := "no credentials"
	switch {
	case k.APIKey != "":
		auth = "API key [redacted]"
	case k.Username != "":
		auth = "user " + k.Username + ", password [redacted]"
	}
	return fmt.Sprintf("Kibana Cases at %s (space %q, %s)", triage.HideURLPassword(k.URL), k.Space, auth)
}

// GoString is String, for %#v.
func (k Cases) GoString() string { return k.String() }

// PushResult says what a push created.
type PushResult struct {
	CaseID   string // the Kibana case id
	URL      string // the case's page in Kibana
	Comments int
	Alerts   int
}

// maxKibanaComment is the Cases API limit on a comment or description.
const maxKibanaComment = 30000

// CaseRecords is what a push reads from and writes to the case file;
// *casefile.Store implements it.
type CaseRecords interface {
	// FirstPush returns the first push recorded on the case.
	FirstPush(ctx context.Context, id int64) (casefile.Activity, bool, error)
	// AlertRefs returns the alerts linked to the case.
	AlertRefs(ctx context.Context, id int64) ([]casefile.AlertRef, error)
	// RecordPush adds the push to the case's timeline.
	RecordPush(ctx context.Context, id int64, by, detail string) error
}

// Push creates a Kibana case from a report: title, severity, tags, a
// description with the summary and findings, one comment per note, one
// comment with the checklist, the linked alerts attached, and the status
// (acknowledged maps to in-progress). It records the push in the case's
// timeline. A case pushed before is refused unless again is set, so a
// second run does not silently duplicate it.
func (k Cases) Push(ctx context.Context, st CaseRecords, r casefile.Report, by string, again bool) (PushResult, error) {
	if !again {
		last, pushed, err := st.FirstPush(ctx, r.Case.ID)
		if err != nil {
			return PushResult{}, err
		}
		if pushed {
			return PushResult{}, fmt.Errorf("case %d was already pushed (%s); push again to create another Kibana case", r.Case.ID, last.Detail)
		}
	}
	refs, err := st.AlertRefs(ctx, r.Case.ID)
	if err != nil {
		return PushResult{}, err
	}
	res, err := k.push(ctx, r, refs)
	if err != nil {
		return res, err
	}
	if err := st.RecordPush(ctx, r.Case.ID, by, "pushed as Kibana case "+res.CaseID); err != nil {
		return res, err
	}
	return res, nil
}

type kibanaCase struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

func (k Cases) push(ctx context.Context, r casefile.Report, refs []casefile.AlertRef) (PushResult, error) {
	var res PushResult
	c := r.Case
	sev := c.Severity
	if sev == "info" {
		sev = "low"
	}
	var desc strings.Builder
	desc.WriteString(casefile.Summary(r))
	desc.WriteString("\n\n")
	if c.Description != "" {
		desc.WriteString(c.Description)
		desc.WriteString("\n\n")
	}
	for i, rf := range r.Findings {
		f := rf.Finding
		fmt.Fprintf(&desc, "%d. **%s** (%s, %s) at %s: %s\n", i+1, casefile.MarkdownText(f.Title), casefile.MarkdownCode(f.Detector), f.Severity, ts(f.Timestamp), casefile.MarkdownText(f.Reason))
	}
	create := map[string]any{
		"title":       clip(c.Title, 160),
		"description": clip(desc.String(), maxKibanaComment),
		"tags":        []string{"picket", "picket-case-" + fmt.Sprint(c.ID)},
		"owner":       "securitySolution",
		"severity":    sev,
		"settings":    map[string]any{"syncAlerts": false},
		"connector":   map[string]any{"id": "none", "name": "none", "type": ".none", "fields": nil},
	}
	var kc kibanaCase
	if err := k.call(ctx, http.MethodPost, "/api/cases", create, &kc); err != nil {
		return res, fmt.Errorf("create Kibana case: %w", err)
	}
	if kc.ID == "" {
		return res, errors.New("create Kibana case: the answer has no case id")
	}
	res.CaseID = kc.ID
	res.URL = k.base() + "/app/security/cases/" + url.PathEscape(kc.ID)
	comment := func(body any) error {
		var upd kibanaCase
		if err := k.call(ctx, http.MethodPost, "/api/cases/"+url.PathEscape(kc.ID)+"/comments", body, &upd); err != nil {
			return err
		}
		if upd.Version != "" {
			kc.Version = upd.Version
		}
		return nil
	}
	for _, n := range r.Notes {
		text := fmt.Sprintf("**%s** (%s, on %s %s):\n\n%s", casefile.MarkdownText(n.Author), ts(n.Created), n.TargetKind, casefile.MarkdownCode(n.TargetKey), casefile.MarkdownNote(n.Body))
		if err := comment(map[string]any{"type": "user", "comment": clip(text, maxKibanaComment), "owner": "securitySolution"}); err != nil {
			return res, fmt.Errorf("add note to Kibana case %s: %w", kc.ID, err)
		}
		res.Comments++
	}
	if len(r.Checklist) > 0 {
		var b strings.Builder
		b.WriteString("Picket checklist:\n\n")
		for _, ck := range r.Checklist {
			box := "[ ]"
			if ck.Checked {
				box = "[x]"
			}
			text := ck.Text
			if text == "" {
				text = ck.ItemID
			}
			fmt.Fprintf(&b, "- %s %s", box, casefile.MarkdownStep(text))
			if ck.Note != "" {
				fmt.Fprintf(&b, " (%s)", casefile.MarkdownText(ck.Note))
			}
			b.WriteString("\n")
		}
		if err := comment(map[string]any{"type": "user", "comment": clip(b.String(), maxKibanaComment), "owner": "securitySolution"}); err != nil {
			return res, fmt.Errorf("add checklist to Kibana case %s: %w", kc.ID, err)
		}
		res.Comments++
	}
	space := k.Space
	if space == "" {
		space = "default"
	}
	for _, a := range refs {
		index := a.Index
		if index == "" {
			index = ".alerts-security.alerts-" + space
		}
		var rid, rname any
		if a.RuleID != "" {
			rid = a.RuleID
		}
		if a.RuleName != "" {
			rname = a.RuleName
		}
		body := map[string]any{"type": "alert", "alertId": a.ID, "index": index,
			"rule": map[string]any{"id": rid, "name": rname}, "owner": "securitySolution"}
		if err := comment(body); err != nil {
			return res, fmt.Errorf("attach alert %s to Kibana case %s: %w", a.ID, kc.ID, err)
		}
		res.Alerts++
	}
	status := map[string]string{casefile.StatusAcknowledged: "in-progress", casefile.StatusClosed: "closed"}[c.Status]
	if status != "" {
		patch := map[string]any{"cases": []map[string]any{{"id": kc.ID, "version": kc.Version, "status": status}}}
		if err := k.call(ctx, http.MethodPatch, "/api/cases", patch, nil); err != nil {
			return res, fmt.Errorf("set status of Kibana case %s: %w", kc.ID, err)
		}
	}
	return res, nil
}

func (k Cases) base() string {
	b := strings.TrimRight(k.URL, "/")
	if k.Space != "" && k.Space != "default" {
		b += "/s/" + url.PathEscape(k.Space)
	}
	return b
}

// CheckURL refuses a Kibana URL that would not work, at once and without
// its password, as triage.WebURLProblem judges it ("u:pw@kibana:5601"
// read as scheme "u", and the transport error then quoted the password).
func (k Cases) CheckURL() error {
	_, problem, hostport := triage.WebURLProblem(k.URL)
	switch {
	case problem == "":
		return nil
	case hostport != "":
		return fmt.Errorf("Kibana URL %q has no scheme: write https://%s or http://%s", triage.HideURLPassword(k.URL), hostport, hostport)
	}
	return fmt.Errorf("Kibana URL %q %s", triage.HideURLPassword(k.URL), problem)
}

// scrub hides k's credentials in a message: a transport error quoting
// the URL, a server echoing the Authorization header.
func (k Cases) scrub(msg string) string {
	secrets := append([]string{k.APIKey, k.Password, triage.BasicAuth(k.Username, k.Password)}, triage.URLSecrets(k.URL)...)
	return triage.ScrubSecrets(msg, secrets...)
}

// call sends one JSON request with Kibana's headers and decodes the answer
// into out (when not nil). A non-2xx answer is an error quoting Kibana's
// message.
func (k Cases) call(ctx context.Context, method, path string, body, out any) error {
	if err := k.do(ctx, method, path, body, out); err != nil {
		return scrubbedError{msg: k.scrub(err.Error()), err: err}
	}
	return nil
}

// scrubbedError is an error shown without credentials; errors.Is and As
// still see what it wraps.
type scrubbedError struct {
	msg string
	err error
}

func (e scrubbedError) Error() string { return e.msg }
func (e scrubbedError) Unwrap() error { return e.err }

func (k Cases) do(ctx context.Context, method, path string, body, out any) error {
	if err := k.CheckURL(); err != nil {
		return err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, k.base()+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("kbn-xsrf", "true")
	switch {
	case k.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+k.APIKey)
	case k.Username != "":
		req.SetBasicAuth(k.Username, k.Password)
	}
	client := k.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		if e.Message == "" {
			e.Message = clip(string(data), 300)
		}
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Message)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
		}
	}
	return nil
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
