// Package spike re-runs Elastic's "Spike in Firewall Denies" rule
// (eaa77d63-9679-4ce3-be25-3ba8b795e5fa) without Elastic's machine
// learning: it counts what the rule's ML job, high_count_network_denies,
// counts, and scores each bucket with a local statistical model whose
// reasoning a finding spells out.
//
// # What is counted
//
// The job's datafeed: event.category network, and event.outcome deny or
// event.type denied. The fields are keywords, so the comparisons are exact
// and case-sensitive; a multi-valued field matches when any value does.
// One count over all denies per bucket of event time (15 minutes): the
// job has no by, over or partition field. Its influencers (source.ip,
// destination.port, destination.geo.country_name,
// destination.as.organization.name, source.geo.country_name) are tallied
// per bucket only to explain an anomaly. Events that look like denies but
// escape the datafeed (event.action drop, a vendor's own action field,
// "Deny" in another case, a deny outside event.category network) are
// counted by kind in a lint: Elastic's job does not see them either.
//
// # The baseline
//
// Buckets are judged in time order, each against what was learned from
// the buckets before it, then learned from. The expected count is
//
//		expected = daily × weekly × level
//
//	  - daily: for each of up to 7 past days, the count at the same time of
//	    day, smoothed over half an hour either side; the baseline takes the
//	    upper quartile of those days (a quiet weekend among them does not
//	    drag a weekday down, and one odd day cannot lift it).
//	  - weekly: once there are 2 weeks of buckets, the ratio of what the same
//	    weekday and time brought (smoothed over three hours either side, up
//	    to 4 past weeks) to what the daily profile expected then, shrunk
//	    toward 1 while few weeks back it.
//	  - level: the ratio of the learned counts of the last 4 hours to the
//	    seasonal baseline over them, shrunk toward 1, so that traffic that
//	    grows or a Monday after a weekend is followed within hours.
//
// The expected count is never below 0.5.
//
// # Over-dispersion, and scores
//
// Around that mean the count is negative binomial with variance
// a·mu + phi·mu², fitted by weighted least squares to the squared
// residuals of past buckets (clipped at 5 standard deviations, forgetting
// with a half-life of a week). phi is the usual negative binomial
// over-dispersion; a >= 1 scales the Poisson part, soaking up variance
// that grows only with the mean, such as scanners sweeping a few ports at
// any hour, which would otherwise make quiet hours look calmer than they
// are.
//
// A bucket's surprise is -log10 P(X >= count). It is then calibrated
// against the history: were the model exact, 1% of buckets would have a
// surprise of 2 or more; when the 99th percentile of past surprises is
// L99 > 2, every surprise is multiplied by 2/L99 (never raised). The
// calibrated surprise maps to the 0-100 score through the knots 1 → 0,
// 2 → 25, 3.5 → 50, 5 → 75, 8 → 100, so the rule's threshold of 75 is a
// calibrated tail probability of 1e-5.
//
// # Sustained rises: the multi-bucket feature
//
// A rise spread over a few buckets can be anomalous when no bucket of it
// is: 12, 11 and 11 denies where the night brings 3 to 5 each. So each
// bucket is also scored as the last of a window of 2, 3 or 4 buckets (up
// to an hour): the window's count against the sum the model expected of
// it. That expectation is the one the model had before the window began
// (each bucket's seasonal baseline times the level of the window's first
// bucket), so a rise does not lift its own expectation. Its variance is
// the buckets' variances plus the covariances implied by how strongly
// consecutive residuals were correlated in the past: the baseline's
// errors persist from bucket to bucket, and without them sums looked up
// to twice as rare as they were. The sum is scored as the negative
// binomial with that mean and variance (exact for independent buckets
// sharing one mean); the most surprising window's -log10 P, less log10 3
// for the three lengths tried (Bonferroni), is the window's surprise. It
// has its own calibration, learned like the bucket's but not from
// reported buckets, lest a rise that lasts hours temper its own later
// buckets.
//
// A bucket brings to a window at most the count that would score the
// threshold alone: the rest is a spike, the single bucket's evidence. A
// bucket already reported brings only its expected count, so the quiet
// buckets after a spike or a rise do not look like a rise; the buckets of
// a reported window count in full again only while the bucket being
// scored is above its own 95% band, carrying the rise on.
//
// A bucket's score is the larger of its own and its window's. Elastic's
// record probability joins the single- and multi-bucket probabilities
// with its joint aggregator (both become z-scores, and the record's
// probability is the chi-square tail of their Mahalanobis distance given
// the two features' correlation), then normalises it against the job's
// history. That aggregator weakens the probability when the two features
// agree, as they do in a rise, and strengthens it when they disagree;
// Elastic's relative normalisation absorbs this, a fixed threshold does
// not: with it this model found the night rise above less than half as
// often and lost a NAB detection. The larger of two calibrated scores
// never lowers a bucket's own score and at most doubles the false-alarm
// rate, which the features' conservative tails absorb (see the tests).
// The multi-bucket impact is Elastic's multi_bucket_impact, by ml-cpp's
// formula on the two calibrated probabilities: -5 when the bucket alone
// explains its score, +5 when only the window does. A finding whose peak
// the window made anomalous covers the window and says so: "3 buckets
// together: 34 denies where about 12 were expected".
//
// # Robustness and warm-up
//
// What the baseline learns from a bucket is its count clipped at the
// 99.5% quantile of its predictive distribution, so a spike teaches the
// baseline little more than an ordinary busy bucket: a second identical
// spike a week later scores as high as the first. Sums are clipped the
// same way: when what was learned from the last 2 to 4 buckets adds up
// to more than the 99.5% quantile of their sum, each bucket's excess over
// its expectation is shrunk in proportion, so a sustained rise teaches no
// more than a busy hour (the same rise 90 minutes later meets an
// expectation 15% higher, not 25%). The first day, which
// has no baseline, is cleaned against its own running median. The second
// day is scored in the shadow to learn the dispersion (its sums are not
// damped: the baseline is still too rough to tell a rise from its own
// error); no bucket is reported before 2 days of history, and a lint
// says until when.
//
// # Counts from elsewhere
//
// The model reads only each bucket's count, so counts made by someone
// else score exactly as the events would: AddCounts takes buckets counted
// by Elasticsearch (detect --es pushes the counting down when the events
// are too many to pull), Anomalous says which buckets findings will
// cover (the anomalous ones and the windows that made them so), and the
// caller adds sample ids and influencer summaries for just those before
// Flush. A finding over counted buckets says so in its reason: its
// evidence is a sample, its influencers are the counter's summaries (or
// not available), and distinct counts over several buckets are lower
// bounds, since they cannot be added up. A run for which no id was added
// is not reported; a lint names it.
//
// # Differences from Elastic's job
//
// Elastic's model (elastic/ml-cpp) is Bayesian: it weighs a mixture of
// Poisson, normal, log-normal, gamma and multimodal priors, decomposes
// trend and several seasonal components it detects itself, and
// renormalises every score against the job's whole history (so past
// scores can change). Its multi-bucket feature is the mean of the last 12
// buckets' prediction errors, weighted by 0.9 per bucket back, with a
// distribution learned from its past values; an anomaly model then lifts
// long anomalies and lowers short ones. This package uses one
// distribution family, fixed daily and weekly periods in UTC, plain sums
// of the last 2 to 4 buckets under the same model as single buckets, the
// larger of the two scores instead of Elastic's joint probability (see
// above), and a causal calibration (a score never changes once given).
// Scores will therefore not equal Elastic's; they aim at the same
// question.
//
// # Known limits
//
//   - A gap in the export (no events at all for hours) looks like hours
//     of zero denies and lowers the baseline for a while.
//   - Daily periods are in UTC: a daylight-saving change shifts local
//     rhythms by an hour twice a year.
//   - Before 2 weeks of buckets, weekdays and weekends share the daily
//     profile and only the 4-hour level corrects it: the first busy
//     weekday after a quiet weekend can look higher than it is.
//   - A rise longer than an hour is found in its first hour; as it goes
//     on, the 4-hour level follows it and its later buckets stop scoring,
//     so the finding marks its start, not its end. A slow ramp may never
//     score.
//   - Sums are judged against what the night has been: with Poisson
//     scatter (4 ± 2 a bucket) three buckets of 12, 11 and 11 are a 1e-6
//     event if the mean is known, but nearer 1e-5 once it is learned, and
//     are found less than half the time; with counts that stay within 3
//     to 5 they are found nearly always.
//   - The negative binomial's tail is heavier than that of bounded bursts,
//     so moderate spikes in very bursty data can stay below 75.
//   - Only high counts score (high_count): drops in denies never do.
package spike
