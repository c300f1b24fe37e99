package devopsguru

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

var randReader = rand.Reader

// Timestamp is a rest-json timestamp: epoch seconds, with fractions. It
// reads numbers (as botocore and the Go SDK send them) and ISO 8601
// strings.
type Timestamp struct{ time.Time }

// ts returns a Timestamp for t, nil for the zero time.
func ts(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	return &Timestamp{t.UTC()}
}

// MarshalJSON writes epoch seconds with milliseconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON reads epoch seconds or an ISO 8601 time.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
			if v, err := time.Parse(layout, str); err == nil {
				t.Time = v.UTC()
				return nil
			}
		}
		if f, err := strconv.ParseFloat(str, 64); err == nil {
			return t.setEpoch(f)
		}
		return fmt.Errorf("%q is not a timestamp (epoch seconds or ISO 8601)", str)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%s is not a timestamp (epoch seconds or ISO 8601)", s)
	}
	return t.setEpoch(f)
}

func (t *Timestamp) setEpoch(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 253402300799 {
		return fmt.Errorf("%v is outside the years 1970–9999", f)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

// TimeRange is InsightTimeRange, PredictionTimeRange, AnomalyTimeRange.
type TimeRange struct {
	StartTime *Timestamp `json:"StartTime,omitempty"`
	EndTime   *Timestamp `json:"EndTime,omitempty"`
}

// FromTo is StartTimeRange, EndTimeRange, EventTimeRange.
type FromTo struct {
	FromTime *Timestamp `json:"FromTime,omitempty"`
	ToTime   *Timestamp `json:"ToTime,omitempty"`
}

// ResourceCollection is the stacks or tagged applications an item
// belongs to.
type ResourceCollection struct {
	CloudFormation *CloudFormationCollection `json:"CloudFormation,omitempty"`
	Tags           []TagCollection           `json:"Tags,omitempty"`
}

// CloudFormationCollection names stacks.
type CloudFormationCollection struct {
	StackNames []string `json:"StackNames"`
}

// TagCollection names an application tag and its values.
type TagCollection struct {
	AppBoundaryKey string   `json:"AppBoundaryKey"`
	TagValues      []string `json:"TagValues"`
}

// InsightSummary is ReactiveInsightSummary and ProactiveInsightSummary
// (PredictionTimeRange only on proactive ones), and with AccountId the
// organisation's summaries.
type InsightSummary struct {
	Id                     string              `json:"Id"`
	AccountId              string              `json:"AccountId,omitempty"`
	OrganizationalUnitId   string              `json:"OrganizationalUnitId,omitempty"`
	Name                   string              `json:"Name"`
	Severity               string              `json:"Severity"`
	Status                 string              `json:"Status"`
	InsightTimeRange       *TimeRange          `json:"InsightTimeRange"`
	PredictionTimeRange    *TimeRange          `json:"PredictionTimeRange,omitempty"`
	ResourceCollection     *ResourceCollection `json:"ResourceCollection,omitempty"`
	AssociatedResourceArns []string            `json:"AssociatedResourceArns,omitempty"`
}

// Insight is ReactiveInsight and ProactiveInsight (DescribeInsight).
type Insight struct {
	Id                  string              `json:"Id"`
	Name                string              `json:"Name"`
	Severity            string              `json:"Severity"`
	Status              string              `json:"Status"`
	InsightTimeRange    *TimeRange          `json:"InsightTimeRange"`
	PredictionTimeRange *TimeRange          `json:"PredictionTimeRange,omitempty"`
	ResourceCollection  *ResourceCollection `json:"ResourceCollection,omitempty"`
	Description         string              `json:"Description,omitempty"`
}

func resourceCollection(in store.Insight) *ResourceCollection {
	switch in.BoundaryKind {
	case "stack":
		return &ResourceCollection{CloudFormation: &CloudFormationCollection{StackNames: []string{in.BoundaryName}}}
	case "app":
		key := in.BoundaryTagKey
		if key == "" {
			key = "devops-guru-app"
		}
		return &ResourceCollection{Tags: []TagCollection{{AppBoundaryKey: key, TagValues: []string{in.BoundaryName}}}}
	}
	return nil
}

func timeRange(start, end time.Time) *TimeRange {
	return &TimeRange{StartTime: ts(start), EndTime: ts(end)}
}

func predictionRange(in store.Insight) *TimeRange {
	if in.Type != store.InsightProactive || in.PredictionTimeRange == nil {
		return nil
	}
	return timeRange(in.PredictionTimeRange.Start, in.PredictionTimeRange.End)
}

// arnPattern is what the model calls a resource ARN.
var arnPattern = regexp.MustCompile(`^arn:aws[a-z0-9-]*:`)

func associatedArns(in store.Insight) []string {
	var out []string
	for _, r := range in.Resources {
		if arnPattern.MatchString(r.ID) {
			out = append(out, r.ID)
		}
	}
	return out
}

func (h *Handler) summary(in store.Insight, org bool) InsightSummary {
	s := InsightSummary{Id: in.ID, Name: in.Name, Severity: in.Severity, Status: in.Status,
		InsightTimeRange: timeRange(in.StartedAt, in.EndedAt), PredictionTimeRange: predictionRange(in),
		ResourceCollection: resourceCollection(in)}
	if org {
		s.AccountId = in.Account
	} else {
		s.AssociatedResourceArns = associatedArns(in)
	}
	return s
}

func describeInsight(in store.Insight) Insight {
	return Insight{Id: in.ID, Name: in.Name, Severity: in.Severity, Status: in.Status,
		InsightTimeRange: timeRange(in.StartedAt, in.EndedAt), PredictionTimeRange: predictionRange(in),
		ResourceCollection: resourceCollection(in), Description: in.Description}
}

// Anomaly shapes.

// AnomalySourceDetails holds the metrics an anomaly is about.
type AnomalySourceDetails struct {
	CloudWatchMetrics []CloudWatchMetricsDetail `json:"CloudWatchMetrics,omitempty"`
}

// CloudWatchMetricsDetail identifies a metric and its data around the
// anomaly.
type CloudWatchMetricsDetail struct {
	MetricName        string                     `json:"MetricName"`
	Namespace         string                     `json:"Namespace,omitempty"`
	Dimensions        []Dimension                `json:"Dimensions,omitempty"`
	Stat              string                     `json:"Stat,omitempty"`
	Unit              string                     `json:"Unit,omitempty"`
	Period            int                        `json:"Period,omitempty"`
	MetricDataSummary *CloudWatchMetricsDataSumm `json:"MetricDataSummary,omitempty"`
}

// Dimension is a CloudWatchMetricsDimension.
type Dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// CloudWatchMetricsDataSumm is CloudWatchMetricsDataSummary.
type CloudWatchMetricsDataSumm struct {
	TimestampMetricValuePairList []MetricValuePair `json:"TimestampMetricValuePairList"`
	StatusCode                   string            `json:"StatusCode"`
}

// MetricValuePair is TimestampMetricValuePair.
type MetricValuePair struct {
	Timestamp   *Timestamp `json:"Timestamp"`
	MetricValue float64    `json:"MetricValue"`
}

// AnomalyResource is a resource an anomaly is on.
type AnomalyResource struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// AnomalySourceMetadata says where an anomaly comes from.
type AnomalySourceMetadata struct {
	Source             string `json:"Source,omitempty"`
	SourceResourceName string `json:"SourceResourceName,omitempty"`
	SourceResourceType string `json:"SourceResourceType,omitempty"`
}

// Anomaly is ReactiveAnomaly(Summary) and ProactiveAnomaly(Summary).
type Anomaly struct {
	Id                       string                 `json:"Id"`
	Severity                 string                 `json:"Severity"`
	Status                   string                 `json:"Status"`
	UpdateTime               *Timestamp             `json:"UpdateTime,omitempty"`
	AnomalyTimeRange         *TimeRange             `json:"AnomalyTimeRange"`
	AnomalyReportedTimeRange *ReportedTimeRange     `json:"AnomalyReportedTimeRange,omitempty"`
	PredictionTimeRange      *TimeRange             `json:"PredictionTimeRange,omitempty"`
	SourceDetails            *AnomalySourceDetails  `json:"SourceDetails,omitempty"`
	AssociatedInsightId      string                 `json:"AssociatedInsightId"`
	ResourceCollection       *ResourceCollection    `json:"ResourceCollection,omitempty"`
	Limit                    *float64               `json:"Limit,omitempty"`
	SourceMetadata           *AnomalySourceMetadata `json:"SourceMetadata,omitempty"`
	Type                     string                 `json:"Type,omitempty"`
	Name                     string                 `json:"Name,omitempty"`
	Description              string                 `json:"Description,omitempty"`
	AnomalyResources         []AnomalyResource      `json:"AnomalyResources,omitempty"`
}

// ReportedTimeRange is AnomalyReportedTimeRange.
type ReportedTimeRange struct {
	OpenTime  *Timestamp `json:"OpenTime"`
	CloseTime *Timestamp `json:"CloseTime,omitempty"`
}

// validStats are the model's CloudWatchMetricsStat values.
var validStats = map[string]string{"sum": "Sum", "average": "Average", "avg": "Average", "mean": "Average",
	"samplecount": "SampleCount", "count": "SampleCount", "minimum": "Minimum", "min": "Minimum",
	"maximum": "Maximum", "max": "Maximum", "p99": "p99", "p90": "p90", "p50": "p50"}

func (h *Handler) anomaly(a store.Anomaly, in store.Insight) Anomaly {
	status := store.InsightOngoing
	if a.Status == store.AnomalyClosed {
		status = store.InsightClosed
	}
	metric := CloudWatchMetricsDetail{MetricName: a.Metric, Namespace: a.Labels["namespace"], Unit: a.Unit,
		Period: int(a.Period / time.Second), Stat: validStats[strings.ToLower(a.Statistic)]}
	if ns, ok := a.Labels["Namespace"]; ok && metric.Namespace == "" {
		metric.Namespace = ns
	}
	for _, k := range sortedKeys(a.Labels) {
		if k == "__name__" || k == "namespace" || k == "Namespace" {
			continue
		}
		metric.Dimensions = append(metric.Dimensions, Dimension{Name: k, Value: a.Labels[k]})
	}
	if len(a.Excerpt) > 0 {
		sum := &CloudWatchMetricsDataSumm{StatusCode: "Complete"}
		for _, p := range a.Excerpt {
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
				sum.StatusCode = "PartialData"
				continue
			}
			sum.TimestampMetricValuePairList = append(sum.TimestampMetricValuePairList, MetricValuePair{Timestamp: ts(p.T), MetricValue: p.V})
		}
		metric.MetricDataSummary = sum
	}
	out := Anomaly{Id: a.ID, Severity: in.Severity, Status: status, AnomalyTimeRange: timeRange(a.StartedAt, a.EndedAt),
		AnomalyReportedTimeRange: &ReportedTimeRange{OpenTime: ts(a.StartedAt), CloseTime: ts(a.EndedAt)},
		SourceDetails:            &AnomalySourceDetails{CloudWatchMetrics: []CloudWatchMetricsDetail{metric}},
		AssociatedInsightId:      a.InsightID, ResourceCollection: resourceCollection(in),
		SourceMetadata: &AnomalySourceMetadata{Source: "tend", SourceResourceName: a.Resource.Name, SourceResourceType: a.Resource.Type}}
	if a.Resource.Name != "" || a.Resource.Type != "" {
		name := a.Resource.Name
		if name == "" {
			name = a.Resource.ID
		}
		out.AnomalyResources = []AnomalyResource{{Name: name, Type: a.Resource.Type}}
	}
	if in.Type == store.InsightProactive {
		out.UpdateTime = ts(a.UpdatedAt)
		if a.Forecast != nil {
			limit := a.Forecast.Limit
			out.Limit = &limit
			out.PredictionTimeRange = timeRange(a.Forecast.Earliest, a.Forecast.Latest)
		}
	} else {
		out.Type = "CAUSAL"
		out.Name = a.Metric
		out.Description = a.Reason
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
