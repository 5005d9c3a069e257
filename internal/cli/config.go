package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"

	"picket/detectors/appsensor"
	"picket/detectors/rules"
	"picket/triage/elastic"
)

// config is what Picket reads from $XDG_CONFIG_HOME/picket/config.toml.
// Precedence: flags > environment > this file > built-in defaults.
type config struct {
	// DB is the case file path.
	DB     string       `toml:"db"`
	Detect detectConfig `toml:"detect"`
	// AppSensor tunes the AppSensor detection points.
	AppSensor appSensorConfig `toml:"appsensor"`
	// Spike tunes the local model of "Spike in Firewall Denies".
	Spike spikeConfig `toml:"spike"`
	// Elasticsearch says how to reach the cluster (picket --es, detect
	// --es, alerts).
	Elasticsearch elasticConfig `toml:"elasticsearch"`
	// Kibana says where picket case push creates cases.
	Kibana kibanaConfig `toml:"kibana"`

	// demoData is set when the run reads the built-in demo data: the
	// demo shop's own configuration (honey traps, Tor list) then applies.
	demoData bool
	// dbDefault says DB is the default path: no flag, environment or file
	// chose it.
	dbDefault bool
	// file is the config file read, "" when there was none: errors about
	// its values name it.
	file string
}

// dataDir is Picket's folder under $XDG_DATA_HOME.
func dataDir(getenv func(string) string) string {
	return filepath.Join(xdgDir(getenv, "XDG_DATA_HOME", filepath.Join(".local", "share")), "picket")
}

// forDemo points a run over the demo data at the demo's own case file,
// unless the analyst chose one: notes, statuses, exceptions and allowlist
// entries made while trying the demo must never touch real work (an
// allowlisted demo user agent once hid 367 findings of a real file).
func (c *config) forDemo(getenv func(string) string) {
	c.demoData = true
	if c.dbDefault {
		c.DB = filepath.Join(dataDir(getenv), "demo.db")
	}
}

// kibanaConfig is the [kibana] table. KIBANA_URL, KIBANA_API_KEY,
// KIBANA_USERNAME and KIBANA_PASSWORD override it; the flags of picket
// case push override both. Without an API key of its own, push uses the
// Elasticsearch API key before a user name and password.
type kibanaConfig struct {
	URL      string         `toml:"url"`   // e.g. https://kibana.example.com:5601
	Space    string         `toml:"space"` // "" or "default": the default space
	APIKey   elastic.Secret `toml:"api_key"`
	Username string         `toml:"username"`
	Password elastic.Secret `toml:"password"`
}

// elasticConfig is the [elasticsearch] table. The environment variables
// ELASTICSEARCH_URL, ELASTIC_CLOUD_ID, ELASTICSEARCH_API_KEY,
// ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD override it; --es-*
// flags override both. Secrets are elastic.Secret, which never prints.
type elasticConfig struct {
	URL           string         `toml:"url"` // one or more node URLs, comma-separated
	CloudID       string         `toml:"cloud_id"`
	APIKey        elastic.Secret `toml:"api_key"`
	Username      string         `toml:"username"`
	Password      elastic.Secret `toml:"password"`
	CAFile        string         `toml:"ca_file"`
	CAFingerprint string         `toml:"ca_fingerprint"`
	Insecure      bool           `toml:"insecure"`
	Timeout       string         `toml:"timeout"`   // per request, e.g. "60s"
	Index         []string       `toml:"index"`     // event index patterns
	Space         string         `toml:"space"`     // Kibana space of the alerts index
	PageSize      int            `toml:"page_size"` // hits per page, at most 10000
	Limit         int64          `toml:"limit"`     // largest pull before pushing work down
	WorkflowUser  string         `toml:"workflow_user"`
}

type spikeConfig struct {
	// Threshold is the anomaly score (0-100) that makes a bucket
	// anomalous: the rule's anomaly_threshold, 75 by default.
	Threshold float64 `toml:"threshold"`
}

type detectConfig struct {
	Format string   `toml:"format"` // ndjson or table
	Only   []string `toml:"only"`   // detector ids to run; empty means all
}

type appSensorConfig struct {
	// ExtraMethods are HTTP methods RE2 accepts besides the standard ones.
	ExtraMethods []string `toml:"extra_methods"`
	// MaxBodyBytes is FIO1's request body limit (default 10 MiB).
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// HoneyPaths are decoy paths for HT2 (robots.txt Disallow entries,
	// hidden links); any request for one is reconnaissance.
	HoneyPaths []string `toml:"honey_paths"`
	// HoneyParams are decoy parameters or cookies for HT1.
	HoneyParams []appsensor.HoneyParam `toml:"honey_params"`
	// HoneyUsers are honeytoken account names for HT3.
	HoneyUsers []string `toml:"honey_users"`
	// ReputationLists are files of IPs/CIDRs for RP1.
	ReputationLists []string `toml:"reputation_lists"`
	// SessionCookies name the cookies read as a session id.
	SessionCookies []string `toml:"session_cookies"`
	// MaxActors caps each windowed point's actor table.
	MaxActors int `toml:"max_actors"`
	// Thresholds override windowed points: AE1 = "3/5m".
	Thresholds map[string]string `toml:"thresholds"`
	Login      loginConfig       `toml:"login"`
	// Learn tunes the points that learn what is normal from the data.
	Learn learnConfig `toml:"learn"`
}

// learnConfig mirrors appsensor.LearnOptions; zero values keep defaults.
type learnConfig struct {
	MinRequests   int      `toml:"min_requests"`
	MinActors     int      `toml:"min_actors"`
	MinSamples    int      `toml:"min_samples"`
	ActorDailyCap int      `toml:"actor_daily_cap"`
	RequiredShare float64  `toml:"required_share"`
	IgnoreParams  []string `toml:"ignore_params"`
	UTMinDays     int      `toml:"user_min_days"`
	UTFactor      float64  `toml:"user_factor"`
	STEMinDays    int      `toml:"site_min_days"`
	STEFactor     float64  `toml:"site_factor"`
	STEFloor      int      `toml:"site_floor"`
	CIE2Factor    float64  `toml:"rows_factor"`
	CIE2Floor     int64    `toml:"rows_floor"`
	LoginMarkers  []string `toml:"login_markers"`
	LogoutMarkers []string `toml:"logout_markers"`
}

type loginConfig struct {
	Paths             []string `toml:"paths"`
	UsernameFields    []string `toml:"username_fields"`
	PasswordFields    []string `toml:"password_fields"`
	FailureStatuses   []int    `toml:"failure_statuses"`
	Failure200        bool     `toml:"failure_200"`
	MaxUsernameLength int      `toml:"max_username_length"`
	CommonUsernames   []string `toml:"common_usernames"`
}

// appSensorOptions turns the [appsensor] table into detector options,
// reading reputation lists from disk. Errors name the key or file:line.
func (c appSensorConfig) appSensorOptions() (appsensor.Options, error) {
	o := appsensor.Options{
		ExtraMethods:   c.ExtraMethods,
		MaxBodyBytes:   c.MaxBodyBytes,
		HoneyPaths:     c.HoneyPaths,
		HoneyParams:    c.HoneyParams,
		HoneyUsers:     c.HoneyUsers,
		SessionCookies: c.SessionCookies,
		Login: appsensor.LoginOptions{
			Paths:             c.Login.Paths,
			UsernameFields:    c.Login.UsernameFields,
			PasswordFields:    c.Login.PasswordFields,
			FailureStatuses:   c.Login.FailureStatuses,
			Failure200:        c.Login.Failure200,
			MaxUsernameLength: c.Login.MaxUsernameLength,
			CommonUsernames:   c.Login.CommonUsernames,
		},
		Actor: appsensor.ActorOptions{MaxActors: c.MaxActors},
		Learn: appsensor.LearnOptions{
			MinRequests:   c.Learn.MinRequests,
			MinActors:     c.Learn.MinActors,
			MinSamples:    c.Learn.MinSamples,
			ActorDailyCap: c.Learn.ActorDailyCap,
			RequiredShare: c.Learn.RequiredShare,
			IgnoreParams:  c.Learn.IgnoreParams,
			UTMinDays:     c.Learn.UTMinDays,
			UTFactor:      c.Learn.UTFactor,
			STEMinDays:    c.Learn.STEMinDays,
			STEFactor:     c.Learn.STEFactor,
			STEFloor:      c.Learn.STEFloor,
			CIE2Factor:    c.Learn.CIE2Factor,
			CIE2Floor:     c.Learn.CIE2Floor,
			LoginMarkers:  c.Learn.LoginMarkers,
			LogoutMarkers: c.Learn.LogoutMarkers,
		},
	}
	if err := c.setThresholds(&o); err != nil {
		return o, err
	}
	for _, path := range c.ReputationLists {
		f, err := os.Open(path)
		if err != nil {
			return o, fmt.Errorf("appsensor.reputation_lists: %w", err)
		}
		rep, err := appsensor.ParseIPList(path, f)
		f.Close()
		if err != nil {
			return o, fmt.Errorf("appsensor.reputation_lists: %w", err)
		}
		o.Reputation = append(o.Reputation, rep)
	}
	return o, nil
}

// setThresholds sets the [appsensor.thresholds] table on o. Errors name
// the key, not the value (config errors never quote what was written).
func (c appSensorConfig) setThresholds(o *appsensor.Options) error {
	ids := make([]string, 0, len(c.Thresholds))
	for id := range c.Thresholds {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		th, err := appsensor.ParseThreshold(c.Thresholds[id])
		if err != nil {
			return fmt.Errorf("appsensor.thresholds.%s: want COUNT/WINDOW, such as 5/10m", id)
		}
		if err := o.SetThreshold(id, th); err != nil {
			return fmt.Errorf("appsensor.thresholds.%s: %w", id, err)
		}
	}
	return nil
}

// checkValues checks the values of the file that need no disk to judge
// (thresholds, the spike score), so that every command, not only those
// that run detectors, refuses a wrong file the same way.
func (c config) checkValues() error {
	var o appsensor.Options
	if err := c.AppSensor.setThresholds(&o); err != nil {
		return err
	}
	if t := c.Spike.Threshold; t < 0 || t > 100 {
		return errors.New("spike.threshold: want a score from 0 to 100")
	}
	return nil
}

// environment variables Picket reads (besides XDG_CONFIG_HOME and
// XDG_DATA_HOME).
const (
	envConfig = "PICKET_CONFIG" // config file path
	envDB     = "PICKET_DB"
	envFormat = "PICKET_FORMAT"
	envOnly   = "PICKET_ONLY" // comma-separated detector ids

	envESURL      = "ELASTICSEARCH_URL" // comma-separated node URLs
	envESCloudID  = "ELASTIC_CLOUD_ID"
	envESAPIKey   = "ELASTICSEARCH_API_KEY"
	envESUsername = "ELASTICSEARCH_USERNAME"
	envESPassword = "ELASTICSEARCH_PASSWORD"

	envKibanaURL      = "KIBANA_URL"
	envKibanaAPIKey   = "KIBANA_API_KEY"
	envKibanaUsername = "KIBANA_USERNAME"
	envKibanaPassword = "KIBANA_PASSWORD"
)

// configPath returns the config file to read and whether the user named it
// explicitly (then it must exist).
func configPath(flagPath string, getenv func(string) string) (string, bool) {
	if flagPath != "" {
		return flagPath, true
	}
	if p := getenv(envConfig); p != "" {
		return p, true
	}
	return filepath.Join(xdgDir(getenv, "XDG_CONFIG_HOME", ".config"), "picket", "config.toml"), false
}

// loadConfig reads the file (a missing default file is fine) and then
// applies the environment over it. Flags are applied by the caller.
func loadConfig(flagPath string, getenv func(string) string) (config, error) {
	var c config
	path, explicit := configPath(flagPath, getenv)
	md, err := toml.DecodeFile(path, &c)
	switch {
	case err == nil:
		if undec := md.Undecoded(); len(undec) > 0 {
			keys := make([]string, len(undec))
			for i, k := range undec {
				keys[i] = k.String()
			}
			return c, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(keys, ", "))
		}
		c.file = path
		if err := c.checkValues(); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		// No config file: defaults.
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission):
		return c, fmt.Errorf("config %s: %w", path, err)
	default:
		// A syntax error or a value of the wrong type, as path:line like
		// every other file Picket reads. The line may hold a credential:
		// the key is named, quoted text is not repeated.
		line, msg := rules.TOMLErrorAt(err)
		if line > 0 {
			return c, fmt.Errorf("config %s:%d: %s", path, line, unquote(msg))
		}
		return c, fmt.Errorf("config %s: %s", path, unquote(msg))
	}
	if v := getenv(envDB); v != "" {
		c.DB = v
	}
	if v := getenv(envFormat); v != "" {
		c.Detect.Format = v
	}
	if v := getenv(envOnly); v != "" {
		c.Detect.Only = splitList(v)
	}
	c.Elasticsearch.applyEnv(getenv)
	c.Kibana.applyEnv(getenv)
	if c.DB == "" {
		c.DB = filepath.Join(dataDir(getenv), "picket.db")
		c.dbDefault = true
	}
	if c.Detect.Format == "" {
		c.Detect.Format = "ndjson"
	}
	return c, nil
}

// applyEnv lays the ELASTICSEARCH_* and ELASTIC_CLOUD_ID variables over
// the file's values. An address from the environment replaces the file's
// address of the other kind (URL vs Cloud ID).
func (c *elasticConfig) applyEnv(getenv func(string) string) {
	urlEnv, cloudEnv := getenv(envESURL), getenv(envESCloudID)
	if urlEnv != "" || cloudEnv != "" {
		c.URL, c.CloudID = urlEnv, cloudEnv
	}
	if v := getenv(envESAPIKey); v != "" {
		c.APIKey = elastic.Secret(v)
	}
	if v := getenv(envESUsername); v != "" {
		c.Username = v
	}
	if v := getenv(envESPassword); v != "" {
		c.Password = elastic.Secret(v)
	}
}

// applyEnv lays the KIBANA_* variables over the file's values.
func (c *kibanaConfig) applyEnv(getenv func(string) string) {
	if v := getenv(envKibanaURL); v != "" {
		c.URL = v
	}
	if v := getenv(envKibanaAPIKey); v != "" {
		c.APIKey = elastic.Secret(v)
	}
	if v := getenv(envKibanaUsername); v != "" {
		c.Username = v
	}
	if v := getenv(envKibanaPassword); v != "" {
		c.Password = elastic.Secret(v)
	}
}

// quoted matches what a TOML parse error quotes from the file.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'[^']*'`)

// unquote replaces every quoted fragment of a parse error message with
// "…", keeping only punctuation such as '=' or '.', so a malformed line
// holding a secret is never echoed, not even its first characters.
func unquote(msg string) string {
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		inner := q[1 : len(q)-1]
		if inner == `\n` || !strings.ContainsFunc(inner, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return q
		}
		return "…"
	})
}

// xdgDir returns $name, or $HOME/fallback as the XDG spec says when it is
// unset or not absolute.
func xdgDir(getenv func(string) string, name, fallback string) string {
	if d := getenv(name); d != "" && filepath.IsAbs(d) {
		return d
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, fallback)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// homeShort writes a path under the home folder as ~/…, for the title bar.
func homeShort(path string, getenv func(string) string) string {
	home := getenv("HOME")
	if home != "" && strings.HasPrefix(path, home+string(filepath.Separator)) {
		return "~" + path[len(home):]
	}
	return path
}
