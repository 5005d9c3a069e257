// Package ui is Picket's terminal console: a queue of groups (source IP ×
// user agent, or any chain of 1 to 3 fields, nested; distributed campaigns
// folded into one row) ranked by severity and risk, a group's findings on
// a timeline with its checklist and notes, a finding's evidence events,
// the firewall-deny histogram and the rules view.
//
// # Structure
//
// Each view is its own model with its own keys, in its own file: the
// queue (queue.go, its rows in queuerows.go, the grouping they come from
// in tree.go: triage's groups under the chain asked for, campaigns folded
// by triage.Fold, each row a group at some depth), the group (group.go, with
// the checklist and notes panels in checklist.go, actionrun.go and
// notes.go), the finding and its events (event.go), the histogram
// (spike.go) and the rules (rules.go); the histogram and the rules jump to
// the groups they are about through the navigator's filterQueue (jump.go).
// The checklist is one list per group: playbooks.Merge says which steps of
// the group's detectors are one, casefile.SharedState reads a step recorded
// under several. The modals hold the keys ahead of
// the view: the filter input (filterinput.go), the note editor
// (editor.go, casework.go), the suppression dialog (dialog.go,
// suppress.go), the group-by picker (regroup.go) and a bulk action's
// confirmation or form (bulk.go).
//
// Views share one *app (app.go), as gh-dash's views share a
// ProgramContext: the options and the current run, the one Styles and
// keyMap, the snapshot of the collection, the case-file state and the
// status line's messages. They change what is in front only through the
// navigator interface, which the root implements.
//
// # Routing
//
// The root model (root.go) routes. A burst of letters that bubbletea v1
// delivers as one message (fast typing, a paste, keys over SSH) is split
// into its keys first, unless a text input has the keys. A key goes to the
// modal in front if any; else to the view in front, which claims the keys
// it answers to;
// else to the global keys (q ? R H r x) and then to the shared actions
// (shared.go: / c s n e a y S), which act on what the view in front has
// selected: the rows selected in the queue (space, V) when there are some
// (bulk.go, one case-file transaction), else the current group. The histogram and rules views claim every key but the
// global ones. The header, status line and help are drawn around the view
// (chrome.go), the help from the one keyMap (keys.go, bubbles/key and
// bubbles/help).
//
// # Addressed replies
//
// Slow work runs in commands, off the input loop. Its answer comes back
// as a reply (msg.go): a message addressed to the view that asked (or to
// the root, or the dialog), with a topic (rows, findings, a step's
// answer, a preview…), an optional key (which step of which group) and
// the generation of the request. The requests table keeps the latest
// generation per address; the root delivers a reply only while it is
// still the latest, then routes it to its owner's onReply. Asking again,
// doing the work at once, opening another group or starting a new run
// supersedes a request, so no view keeps a sequence number of its own.
//
// # What comes next
//
// The shape leaves room for keeping groups and findings on disk behind
// the queue, as the collection already keeps events: a snapshot holds
// groups (tree.go), and regroups, filters and bulk actions read findings
// through findingsCache (Collection.FindingsView), so both would change
// in one place each. While a run loads, a snapshot copies only the top of
// the queue (Collection.TopGroups); once it is sealed, snapshots share
// the collection's groups, which nothing in the console may change
// (alerts change a Clone).
//
// Everything shown that comes from events (user agents, reasons, paths,
// values, ids) goes through triage.Escape first, and so does what y puts
// on the clipboard: attackers write it.
package ui
