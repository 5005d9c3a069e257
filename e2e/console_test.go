//go:build e2e

// Package e2e drives the real picket binary in tmux, as an analyst would:
//
//	go test -tags e2e ./e2e/
//
// The tests skip when tmux is not installed.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// picket is the binary under test, built once by TestMain.
var picket string

func TestMain(m *testing.M) {
	if _, err := exec.LookPath("tmux"); err != nil {
		fmt.Println("SKIP: tmux is not installed")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "picket-e2e")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	picket = filepath.Join(dir, "picket")
	build := exec.Command("go", "build", "-o", picket, ".")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Println("build:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// session is one picket run in a detached tmux session.
type session struct {
	t    *testing.T
	name string
}

// start runs picket with args in a w×h tmux window and the given
// environment; the session prints EXITED:<code> when picket returns.
func start(t *testing.T, w, h int, env []string, args ...string) *session {
	t.Helper()
	name := fmt.Sprintf("picket-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	shell := strings.Join(append(env, picket), " ") + " " + strings.Join(quoted, " ") + "; echo EXITED:$?; sleep 60"
	cmd := exec.Command("tmux", "new-session", "-d", "-s", name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	s := &session{t: t, name: name}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	return s
}

// screen is the pane's text; with escapes set, the SGR sequences tmux
// keeps for what the terminal drew (capture-pane -e).
func (s *session) screen(escapes bool) string {
	args := []string{"capture-pane", "-p", "-t", s.name}
	if escapes {
		args = append(args, "-e")
	}
	out, err := exec.Command("tmux", args...).Output()
	if err != nil {
		s.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// waitFor waits until the screen shows text.
func (s *session) waitFor(text string, within time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		scr := s.screen(false)
		if strings.Contains(scr, text) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the console never showed %q; the screen:\n%s", text, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// keys sends tmux key names (Enter, Space, Tab, C-s, ...).
func (s *session) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
	time.Sleep(150 * time.Millisecond)
}

// text types literal text.
func (s *session) text(t string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "send-keys", "-t", s.name, "-l", t).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
	time.Sleep(150 * time.Millisecond)
}

// env isolates picket from the machine's configuration.
func env(t *testing.T, extra ...string) []string {
	return append([]string{
		"XDG_CONFIG_HOME=" + t.TempDir(), "XDG_DATA_HOME=" + t.TempDir(), "PICKET_USER=e2e",
	}, extra...)
}

func sample(t *testing.T) string {
	p, err := filepath.Abs("../testdata/sample.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTriageSurvivesRestart filters to one source IP, opens its group,
// ticks a checklist step, writes a note, sets a status, quits, restarts on
// the same case file and finds all of it again.
func TestTriageSurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.db")
	data := sample(t)
	e := env(t)

	s := start(t, 120, 40, e, "--db", db, data)
	s.waitFor("Nikto", 15*time.Second)
	s.keys("/")
	s.text("source.ip:203.0.113.50")
	s.keys("Enter")
	scr := s.waitFor("1/4 groups", 5*time.Second)
	if strings.Contains(scr, "203.0.113.51") || !strings.Contains(scr, "203.0.113.50") {
		t.Fatalf("the filter did not narrow the queue to one source IP:\n%s", scr)
	}
	s.keys("Enter")
	s.waitFor("CHECKLIST", 5*time.Second)
	s.keys("c", "Space")
	s.waitFor("[x]", 5*time.Second)
	s.waitFor("ticked", 5*time.Second)
	s.keys("Tab", "n")
	s.waitFor("New note on 203.0.113.50", 5*time.Second)
	s.text("Nikto scan from e2e, blocked at the WAF")
	s.keys("C-s")
	s.waitFor("note saved", 5*time.Second)
	s.keys("s")
	s.waitFor("status ack", 5*time.Second)
	s.waitFor("status acknowledged", 5*time.Second) // written to the case file
	// One key per send: an Escape followed at once by q reads as alt+q.
	s.keys("Escape")
	s.keys("Escape")
	s.keys("q")
	s.waitFor("EXITED:0", 5*time.Second)

	r := start(t, 120, 40, e, "--db", db, data)
	scr = r.waitFor("Nikto", 15*time.Second)
	var row string
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "203.0.113.50") {
			row = l
		}
	}
	if !strings.Contains(row, " ack ") {
		t.Errorf("the status did not survive the restart: %q", row)
	}
	// The Nikto group is the first row; open it and look at its panels.
	r.keys("/")
	r.text("source.ip:203.0.113.50")
	r.keys("Enter", "Enter")
	scr = r.waitFor("CHECKLIST", 5*time.Second)
	if !strings.Contains(scr, "[x]") || !strings.Contains(scr, "status ack") {
		t.Errorf("tick or status lost after the restart:\n%s", scr)
	}
	r.keys("Tab", "Tab")
	r.waitFor("Nikto scan from e2e, blocked at the WAF", 5*time.Second)
	r.keys("q")
	r.waitFor("EXITED:0", 5*time.Second)
}

// TestHostileUserAgentNeverReachesTheTerminal opens the console on events
// whose user agent carries an SGR sequence and a right-to-left override,
// and checks what the terminal drew: the escaped text, never the raw
// bytes. NO_COLOR is set, so Picket itself draws no colour and any colour
// on the screen would have come from the attacker.
func TestHostileUserAgentNeverReachesTheTerminal(t *testing.T) {
	s := start(t, 120, 40, env(t, "NO_COLOR=1"), "--db", filepath.Join(t.TempDir(), "case.db"), sample(t))
	s.waitFor("Nikto", 15*time.Second)
	check := func(where string) {
		t.Helper()
		plain, esc := s.screen(false), s.screen(true)
		if !strings.Contains(plain, `evil\x1b[31m\u202eUA`) {
			t.Errorf("%s: the escaped user agent is not shown:\n%s", where, plain)
		}
		if strings.ContainsRune(esc, '\u202e') {
			t.Errorf("%s: a raw U+202E reached the terminal", where)
		}
		for _, seq := range []string{"\x1b[31m", "\x1b[0;31m", "\x1b[31;"} {
			if strings.Contains(esc, seq) {
				t.Errorf("%s: the terminal received the attacker's colour %q:\n%q", where, seq, esc)
			}
		}
		if !bytes.Contains([]byte(plain), []byte("▸")) {
			t.Errorf("%s: no selection marker without colour:\n%s", where, plain)
		}
	}
	check("queue")
	s.keys("/")
	s.text("source.ip:203.0.113.52")
	s.keys("Enter", "Enter")
	s.waitFor("REASON", 5*time.Second)
	check("group")
	s.keys("Enter")
	s.waitFor("EVIDENCE", 5*time.Second)
	check("finding")
	s.keys("q")
	s.waitFor("EXITED:0", 5*time.Second)
}
