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
	"picket/triage/spill"
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

// findingRow renders a finding as one tab-separated table row.
func findingRow(f *triage.Finding) []byte {
	return fmt.Appendf(nil, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\n",
		timeCell(f.Timestamp), f.Severity, f.RiskScore, cell(f.Detector, 40), ipCell(f.SourceIP),
		cell(f.UserAgent, 40), max(f.EventCount, len(f.Evidence)), cell(f.Reason, 100))
}

// writeFindingTable prints the rows findingRow made, in time order.
func writeFindingTable(w io.Writer, rows *spill.Sorter) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tSEVERITY\tRISK\tDETECTOR\tSOURCE IP\tUSER AGENT\tEVENTS\tREASON")
	i := 0
	err := rows.Each(func(r spill.Record) error {
		if _, err := tw.Write(r.Data); err != nil {
			return err
		}
		if i++; i%tableBlock == 0 {
			return tw.Flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

// writeGroupTable prints one row per group: its key (one column per
// grouping field), counts and time span. A campaign's key column says how
// many sources it folds.
func writeGroupTable(w io.Writer, each func(func(*triage.Group) error) error, by triage.GroupBy) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "SEVERITY\tRISK\tFINDINGS\t"
	if by.IsDefault() {
		head += "SOURCE IP\tUSER AGENT"
	} else {
		for i, f := range by {
			if i > 0 {
				head += "\t"
			}
			head += strings.ToUpper(f)
		}
	}
	fmt.Fprintln(tw, head+"\tDETECTORS\tFIRST SEEN\tLAST SEEN")
	i := 0
	err := each(func(g *triage.Group) error {
		var key []string
		switch {
		case g.Campaign != nil:
			key = []string{fmt.Sprintf("campaign · %d sources", len(g.Campaign.Members)), fmt.Sprintf("%d user agents", g.Campaign.Spread.UserAgents)}
		case by.IsDefault():
			key = []string{ipCell(g.Key.SourceIP), cell(g.Key.UserAgent, 50)}
		default:
			for _, p := range g.Key.Pairs() {
				key = append(key, cell(p.Value, 50))
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n",
			g.MaxSeverity, g.Risk, g.Findings, strings.Join(key, "\t"),
			cell(strings.Join(g.Detectors, ","), 60), timeCell(g.FirstSeen), timeCell(g.LastSeen))
		if i++; i%tableBlock == 0 {
			// Flushing now and then bounds the writer's memory: column
			// widths are set per block of rows.
			return tw.Flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

// tableBlock is how many rows a table aligns at once.
const tableBlock = 1000

// terminalSafeJSON writes JSON through triage.SafeJSON, for JSON that may
// go to a file instead of the (already escaped) standard output.
type terminalSafeJSON struct{ w io.Writer }

func (t terminalSafeJSON) Write(p []byte) (int, error) {
	if _, err := t.w.Write(triage.SafeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
