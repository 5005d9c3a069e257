package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A malformed line in the config may hold a credential; the parse error
// names the file and line but quotes nothing of it (issue 17, item 10).
func TestConfigParseErrorHidesSecrets(t *testing.T) {
	const secret = "Zq9xKw7Vp"
	tests := []struct{ name, body string }{
		{"unquoted", "[elasticsearch]\napi_key = " + secret + "\n"},
		{"unterminated", "[elasticsearch]\napi_key = \"" + secret + "\n"},
		{"bad escape", "[kibana]\npassword = \"" + secret[:3] + `\q` + secret[3:] + "\"\n"},
		{"trailing garbage", "[kibana]\npassword = \"x\" " + secret + "\n"},
		{"not a date", "[elasticsearch]\napi_key = 2026-13-45T" + secret + "\n"},
		{"stray quote", "[elasticsearch]\napi_key = " + secret + "\"\n"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.toml")
			if err := os.WriteFile(p, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(p, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), "bad.toml:2") {
				t.Fatalf("error %v, want one naming bad.toml:2", err)
			}
			for i := 0; i+2 <= len(secret); i++ {
				if strings.Contains(err.Error(), secret[i:i+2]) {
					t.Errorf("error quotes %q of the secret: %v", secret[i:i+2], err)
				}
			}
		})
	}
}

// The [kibana] table is read once with the rest of the config; KIBANA_*
// override it; the flags of case push override both. No credential is
// printed, whether the config is printed or Kibana refuses the key.
func TestKibanaConfig(t *testing.T) {
	home := t.TempDir()
	cfgFile := filepath.Join(home, "config.toml")
	if err := os.WriteFile(cfgFile, []byte("[kibana]\nurl = \"http://file:5601\"\nspace = \"soc\"\napi_key = \"file-key\"\nusername = \"file-user\"\npassword = \"file-pass\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want kibanaConfig
	}{
		{"file", nil, kibanaConfig{URL: "http://file:5601", Space: "soc", APIKey: "file-key", Username: "file-user", Password: "file-pass"}},
		{"env over file", map[string]string{"KIBANA_URL": "http://env:5601", "KIBANA_API_KEY": "env-key", "KIBANA_USERNAME": "env-user", "KIBANA_PASSWORD": "env-pass"},
			kibanaConfig{URL: "http://env:5601", Space: "soc", APIKey: "env-key", Username: "env-user", Password: "env-pass"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(cfgFile, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if c.Kibana != tc.want {
				t.Errorf("kibana config %+v, want %+v", c.Kibana, tc.want)
			}
			if s := fmt.Sprintf("%+v %#v", c, c); strings.Contains(s, "-key") || strings.Contains(s, "-pass") {
				t.Errorf("printing the config shows a credential: %s", s)
			}
		})
	}

	// case push: the flag beats the environment, which beats the file.
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.URL.Path+" "+r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "ApiKey env-key" {
			http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"id": "kc-1", "version": "v1"})
	}))
	defer srv.Close()
	db := filepath.Join(home, "cases.db")
	seedCaseFile(t, db)
	env := map[string]string{"PICKET_CONFIG": cfgFile, "KIBANA_URL": "http://unused.invalid", "KIBANA_API_KEY": "env-key"}
	code, out, errOut := cliEnv(t, env, "case", "push", "1", "--db", db, "--kibana-url", srv.URL, "--space", "ops")
	if code != 0 || !strings.Contains(out, srv.URL+"/s/ops/app/security/cases/kc-1") {
		t.Fatalf("push: exit %d, %q, %q (calls %v)", code, out, errOut, auth)
	}
	if len(auth) == 0 || !strings.HasPrefix(auth[0], "/s/ops/api/cases ") {
		t.Errorf("calls %v", auth)
	}
	// A refused key is reported without being quoted.
	env["KIBANA_API_KEY"] = "wrong-key"
	code, out, errOut = cliEnv(t, env, "case", "push", "1", "--db", db, "--again", "--kibana-url", srv.URL)
	if code != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("wrong key: exit %d, %q", code, errOut)
	}
	if strings.Contains(out+errOut, "wrong-key") || strings.Contains(out+errOut, "file-pass") {
		t.Errorf("a credential was printed:\n%s%s", out, errOut)
	}
	if strings.Contains(errOut, "no Kibana credentials") {
		t.Errorf("a key was set, yet: %s", errOut)
	}
	// No credential anywhere: the push says it goes without one.
	empty := filepath.Join(home, "empty.toml")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, errOut = cliEnv(t, map[string]string{"PICKET_CONFIG": empty}, "case", "push", "1", "--db", db, "--again", "--kibana-url", srv.URL)
	if !strings.Contains(errOut, "picket: no Kibana credentials set") {
		t.Errorf("no credentials: %q", errOut)
	}
}

// TestConfigMistakesAreUsageErrors: every mistake in the config file
// exits 2 and names the file; a value of the wrong type names its line
// and key, never the value.
func TestConfigMistakesAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, body, want string }{
		{"wrong type", "[elasticsearch]\napi_key = 5731\n", "cfg.toml:2: key elasticsearch.api_key: incompatible types"},
		{"syntax", "[elasticsearch]\napi_key = \"5731\n", "cfg.toml:2: key elasticsearch.api_key: "},
		{"unknown key", "nosuch = 1\n", "cfg.toml: unknown keys: nosuch"},
		{"bad format", "[detect]\nformat = \"xml\"\n", `unknown format "xml" from --format, PICKET_FORMAT or the config file's detect.format`},
		{"bad threshold", "[appsensor.thresholds]\nAE2 = \"5731/15m-x\"\n", "cfg.toml: appsensor.thresholds.AE2: want COUNT/WINDOW"},
		{"unknown threshold", "[appsensor.thresholds]\nZZ9 = \"5/10m\"\n", "cfg.toml: appsensor.thresholds.ZZ9: no windowed threshold"},
		{"spike score", "[spike]\nthreshold = 5731\n", "cfg.toml: spike.threshold: want a score from 0 to 100"},
		{"missing list", "[appsensor]\nreputation_lists = [\"/nonexistent/tor.txt\"]\n", "cfg.toml: appsensor.reputation_lists: open /nonexistent/tor.txt"},
	} {
		p := filepath.Join(dir, "cfg.toml")
		if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		// A command that runs detectors and one that does not refuse the
		// file alike (the list is read only by the first).
		cmds := [][]string{{"detect", "--demo", "--config", p}, {"case", "list", "--config", p}}
		if tc.name == "missing list" || tc.name == "bad format" {
			cmds = cmds[:1]
		}
		for _, args := range cmds {
			code, _, errOut := cli(t, "", args...)
			if code != 2 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "5731") {
				t.Errorf("%s, %s: exit %d: %s", tc.name, args[0], code, errOut)
			}
		}
	}
}
