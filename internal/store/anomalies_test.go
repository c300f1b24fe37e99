package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAnomalyJSONPeriodInSeconds(t *testing.T) {
	a := Anomaly{ID: "ano-1", Metric: "m", Period: 90 * time.Second, Labels: map[string]string{"k": "v"},
		StartedAt: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"period_seconds":90`) || strings.Contains(string(b), `"Period"`) {
		t.Fatalf("JSON = %s", b)
	}
	var back Anomaly
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, a) {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
}
