package cli

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"picket/triage"
)

// cell makes attacker-controlled text safe and short for a table cell:
// escaped (no terminal control reaches the screen), tabs gone (they would
// break columns), and clipped.
func cell(s string, max int) string {
	s = strings.ReplaceAll(triage.Escape(s), `\t`, " ")
	if s == "" {
		return "-"
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

func ipCell(a netip.Addr) string {
	if !a.IsValid() {
		return "-"
	}
	return triage.Escape(a.String()) // the decoder drops zones; this is defence in depth
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func writeFindingTable(w io.Writer, fs []triage.Finding) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tSEVERITY\tRISK\tDETECTOR\tSOURCE IP\tUSER AGENT\tEVENTS\tREASON")
	for _, f := range fs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\n",
			timeCell(f.Timestamp), f.Severity, f.RiskScore, cell(f.Detector, 40), ipCell(f.SourceIP),
			cell(f.UserAgent, 40), f.EventCount, cell(f.Reason, 100))
	}
	return tw.Flush()
}

func writeGroupTable(w io.Writer, gs []*triage.Group) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tRISK\tFINDINGS\tSOURCE IP\tUSER AGENT\tDETECTORS\tFIRST SEEN\tLAST SEEN")
	for _, g := range gs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n",
			g.MaxSeverity, g.Risk, g.Findings, ipCell(g.Key.SourceIP), cell(g.Key.UserAgent, 50),
			cell(strings.Join(g.Detectors, ","), 60), timeCell(g.FirstSeen), timeCell(g.LastSeen))
	}
	return tw.Flush()
}

// terminalSafeJSON writes JSON through triage.SafeJSON, for JSON that may
// go to a file instead of the (already escaped) standard output.
type terminalSafeJSON struct{ w io.Writer }

func (t terminalSafeJSON) Write(p []byte) (int, error) {
	if _, err := t.w.Write(triage.SafeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
