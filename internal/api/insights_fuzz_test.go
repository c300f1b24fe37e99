package api

import (
	"net/url"
	"testing"
	"time"
)

// FuzzInsightFilterFromQuery: any query string either yields a filter
// whose range is ordered and at most 180 days, or a 400 naming a field.
func FuzzInsightFilterFromQuery(f *testing.F) {
	for _, s := range []string{"", "status=ongoing,closed&severity=high", "since=1w", "since=181d", "from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
		"type=reactive&limit=5&cursor=abc", "account=1,2,3,4,5,6", "since=9999999999999999999d", "since=-1d", "to=0001-01-01T00:00:00Z", "x=1&x=2"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := InsightFilterFromQuery(q, now)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Status != 400 || e.Field == "" {
				t.Fatalf("error %#v is not a 400 naming a field", err)
			}
			return
		}
		to := flt.To
		if to.IsZero() {
			to = now
		}
		if !flt.From.Before(to) || to.Sub(flt.From) > MaxInsightRange {
			t.Fatalf("accepted range %v – %v", flt.From, to)
		}
		if flt.Limit < 0 || flt.Limit > 1000 || len(flt.Accounts) > 5 {
			t.Fatalf("accepted %+v", flt)
		}
	})
}
