package appsensor

import "picket/triage"

// Class is AppSensor's judgement of how a point's hit should be read.
type Class string

// Classes: a Suspicious hit may be an honest mistake; an Attack hit needs
// tools or intent. Picket maps them to severities.
const (
	Suspicious Class = "suspicious"
	Attack     Class = "attack"
)

// Entry is one AppSensor detection point as the catalogue defines it,
// with Picket's verdict on judging it from HTTP/APM events.
type Entry struct {
	ID       string
	Title    string
	Category string
	Class    Class
	// Verdict when Picket does not run the point: why it cannot be judged
	// from HTTP/APM events, what configuration it needs, or that it is
	// planned. Empty for points that run.
	Readiness triage.Readiness
	Why       string
}

// cannot builds a catalogue entry Picket will never judge from events.
func cannot(id, title, cat string, c Class, why string) Entry {
	return Entry{id, title, cat, c, triage.CannotJudge, why}
}

// planned builds an entry that can be judged from events but is not built yet.
func planned(id, title, cat string, c Class, how string) Entry {
	return Entry{id, title, cat, c, triage.NotAvailable, "not built yet: " + how}
}

// run builds an entry for a point that runs (its detector supplies the rest).
func run(id, title, cat string, c Class) Entry {
	return Entry{id, title, cat, c, triage.RunsLocally, ""}
}

// Catalogue lists all 60 detection points of the current AppSensor guide,
// in its order, so `picket rules` can account for every one.
var Catalogue = []Entry{
	run("RE1", "Unexpected HTTP Command", "Request", Attack),
	run("RE2", "Attempt to Invoke Unsupported HTTP Method", "Request", Attack),
	run("RE3", "GET When Expecting POST", "Request", Suspicious),
	run("RE4", "POST When Expecting GET", "Request", Attack),
	run("RE5", "Additional/Duplicated Data in Request", "Request", Suspicious),
	run("RE6", "Data Missing from Request", "Request", Suspicious),
	run("RE7", "Unexpected Quantity of Characters in Parameter", "Request", Attack),
	run("RE8", "Unexpected Type of Characters in Parameter", "Request", Attack),
	run("AE1", "Use of Multiple Usernames", "Authentication", Suspicious),
	run("AE2", "Multiple Failed Passwords", "Authentication", Attack),
	run("AE3", "High Rate of Login Attempts", "Authentication", Attack),
	run("AE4", "Unexpected Quantity of Characters in Username", "Authentication", Attack),
	cannot("AE5", "Unexpected Quantity of Characters in Password", "Authentication", Attack, "APM agents replace password values with [REDACTED], so their length is never recorded"),
	run("AE6", "Unexpected Type of Character in Username", "Authentication", Attack),
	cannot("AE7", "Unexpected Type of Character in Password", "Authentication", Suspicious, "APM agents replace password values with [REDACTED], so their characters are never recorded"),
	run("AE8", "Providing Only the Username", "Authentication", Attack),
	run("AE9", "Providing Only the Password", "Authentication", Attack),
	run("AE10", "Additional POST Variable", "Authentication", Attack),
	run("AE11", "Missing POST Variable", "Authentication", Attack),
	run("AE12", "Utilization of Common Usernames", "Authentication", Attack),
	cannot("AE13", "Deviation from Normal GEO Location", "Authentication", Suspicious, "needs a per-user location history and GeoIP enrichment that APM transactions do not reliably carry"),
	cannot("SE1", "Modifying Existing Cookie", "Session Management", Attack, "only the application knows which cookie values it issued; APM redacts session cookies"),
	cannot("SE2", "Adding New Cookie", "Session Management", Attack, "analytics, ad and sub-domain cookies make unexpected cookies normal; without the application's cookie list a verdict would be noise"),
	cannot("SE3", "Deleting Existing Cookie", "Session Management", Suspicious, "APM records cookies only when capture is enabled and redacts the session ones, so a missing cookie cannot be told from a redacted one"),
	cannot("SE4", "Substituting Another User's Valid Session ID or Cookie", "Session Management", Attack, "needs the application's session store to know which user a session belongs to"),
	run("SE5", "Source Location Changes During Session", "Session Management", Suspicious),
	run("SE6", "Change of User Agent Mid Session", "Session Management", Attack),
	run("ACE1", "Modifying URL Argument Within a GET for Direct Object Access Attempt", "Access Control", Suspicious),
	run("ACE2", "Modifying Parameter Within A POST for Direct Object Access Attempt", "Access Control", Attack),
	run("ACE3", "Force Browsing Attempt", "Access Control", Suspicious),
	run("ACE4", "Evading Presentation Access Control Through Custom POST", "Access Control", Attack),
	run("IE1", "Cross Site Scripting Attempt", "Input Validation", Suspicious),
	cannot("IE2", "Violation Of Implemented White Lists", "Input Validation", Suspicious, "the application's whitelists are not in the events; RE7/RE8 cover learned value shapes"),
	run("IE3", "Violation Of Implemented Black Lists", "Input Validation", Suspicious),
	cannot("IE4", "Violation of Input Data Integrity", "Input Validation", Attack, "only the application knows which hidden-field and select values it issued"),
	cannot("IE5", "Violation of Stored Business Data Integrity", "Input Validation", Attack, "database integrity and unexpected file changes are not visible in HTTP/APM transactions"),
	cannot("IE6", "Violation of Security Log Integrity", "Input Validation", Attack, "tampering with security logs is not visible in the HTTP requests themselves"),
	cannot("IE7", "Detect Abnormal Content Output Structure", "Input Validation", Attack, "response bodies are not captured by APM agents"),
	run("EE1", "Double Encoded Character", "Encoding", Suspicious),
	run("EE2", "Unexpected Encoding Used", "Encoding", Attack),
	run("CIE1", "Blacklist Inspection for Common SQL Injection Values", "Command Injection", Attack),
	run("CIE2", "Detect Abnormal Quantity of Returned Records", "Command Injection", Attack),
	run("CIE3", "Null Byte Character in File Request", "Command Injection", Attack),
	run("CIE4", "Carriage Return or Line Feed Character in File Request", "Command Injection", Attack),
	run("FIO1", "Detect Large Individual File", "File IO", Suspicious),
	run("FIO2", "Detect Large Number of File Uploads", "File IO", Attack),
	{"HT1", "Alteration to Honey Trap Data", "Honey Trap", Attack, triage.NeedsConfig, "set appsensor.honey_params to the decoy parameters or cookies your application plants (name and expected value)"},
	{"HT2", "Honey Trap Resource Requested", "Honey Trap", Attack, triage.NeedsConfig, "set appsensor.honey_paths to the decoy paths your site advertises (robots.txt Disallow entries, hidden links)"},
	{"HT3", "Honey Trap Data Used", "Honey Trap", Attack, triage.NeedsConfig, "set appsensor.honey_users to honeytoken account names that no real person uses"},
	run("UT1", "Irregular Use of Application", "User Trend", Suspicious),
	run("UT2", "Speed of Application Use", "User Trend", Suspicious),
	run("UT3", "Frequency of Site Use", "User Trend", Suspicious),
	run("UT4", "Frequency of Feature Use", "User Trend", Suspicious),
	run("STE1", "High Number of Logouts Across The Site", "System Trend", Suspicious),
	run("STE2", "High Number of Logins Across The Site", "System Trend", Suspicious),
	run("STE3", "Significant Change in Usage of Same Transaction Across The Site", "System Trend", Suspicious),
	{"RP1", "Suspicious or Disallowed User Source Location", "Reputation", Suspicious, triage.NeedsConfig, "set appsensor.reputation_lists to files of IPs/CIDRs (one per line), e.g. Tor exit nodes"},
	cannot("RP2", "Suspicious External User Behavior", "Reputation", Suspicious, "comes from other systems' verdicts (IDS, WAF, fraud scores), which are alerts of their own rather than HTTP events"),
	cannot("RP3", "Suspicious Client-Side Behavior", "Reputation", Suspicious, "needs client-side reports (CSP violations, page-integrity checks) that APM transactions do not carry"),
	cannot("RP4", "Change to Environment Threat Level", "Reputation", Suspicious, "a global threat level is set by people, not observed in requests"),
}

// Lookup returns the catalogue entry for an id such as "CIE3".
func Lookup(id string) (Entry, bool) {
	for _, e := range Catalogue {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}
