package insight

import (
	"github.com/tendhq/tend/internal/store"
)

// Severity thresholds (docs/insights.md has the table).
const (
	// saturatedHigh: a saturation metric at or above this fraction of full
	// makes the insight HIGH; saturatedMedium at least MEDIUM.
	saturatedHigh   = 0.95
	saturatedMedium = 0.85
	// scoreHigh and scoreMedium are peak detector scores.
	scoreHigh   = 0.9
	scoreMedium = 0.75
)

// Severity rates a group of anomalies LOW, MEDIUM or HIGH from the metrics
// involved and how far they are from normal:
//
//   - HIGH: a saturation metric (CPU, memory, swap, disk utilisation) at or
//     above 95 % of full; or container restarts or errors with a peak score
//     of 0.9 or more; or a peak score of 0.9 or more on three or more
//     series or on two or more resources.
//   - MEDIUM: a saturation metric at or above 85 %; or a peak score of
//     0.75 or more; or anomalies on two or more series.
//   - LOW: anything else — one metric, mildly unusual.
func Severity(anoms []store.Anomaly) string {
	if len(anoms) == 0 {
		return store.SeverityLow
	}
	var maxScore, maxSat float64
	series := map[string]bool{}
	resources := map[string]bool{}
	urgent := false
	for _, a := range anoms {
		series[a.SeriesID] = true
		resources[a.Resource.ID] = true
		if a.PeakScore > maxScore {
			maxScore = a.PeakScore
		}
		f := familyOf(a)
		if f.Saturation {
			if u, ok := utilisation(a.Metric, a.Unit, a.PeakValue); ok && u > maxSat {
				maxSat = u
			}
		}
		if (f.ProblemType == ContainerRestarts || f.ProblemType == ErrorRateIncrease) && a.PeakScore >= scoreHigh {
			urgent = true
		}
	}
	switch {
	case maxSat >= saturatedHigh, urgent,
		maxScore >= scoreHigh && (len(series) >= 3 || len(resources) >= 2):
		return store.SeverityHigh
	case maxSat >= saturatedMedium, maxScore >= scoreMedium, len(series) >= 2:
		return store.SeverityMedium
	}
	return store.SeverityLow
}

// ProblemType is the problem type of a group of anomalies: the highest in
// problemPriority among theirs.
func ProblemType(anoms []store.Anomaly) string {
	best := len(problemPriority) - 1
	for _, a := range anoms {
		for i, p := range problemPriority {
			if p == a.ProblemType && i < best {
				best = i
			}
		}
	}
	return problemPriority[best]
}
