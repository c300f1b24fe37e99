package watch_test

import (
	"context"
	"testing"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/watch"
)

// TestSetCoverage: a coverage change applies to known series at their next
// sample and to new ones at once.
func TestSetCoverage(t *testing.T) {
	rec := &recorder{}
	m := series.NewMapper(series.MapperConfig{Coverage: series.Coverage{Mode: "stacks", Stacks: []string{"shop"}}})
	w, _ := watch.New(watch.Options{Observer: rec, Mapper: m})
	stop := start(t, w)
	shop := []ingest.Label{{Name: "host", Value: "a"}, {Name: "stack", Value: "shop"}}
	cart := []ingest.Label{{Name: "host", Value: "b"}, {Name: "stack", Value: "cart"}}
	send := func(ms int64) {
		t.Helper()
		if err := w.Append(context.Background(), []ingest.Sample{
			{Metric: "cpu", Labels: shop, TimeMs: ms, Value: 1}, {Metric: "cpu", Labels: cart, TimeMs: ms, Value: 1},
		}); err != nil {
			t.Fatal(err)
		}
		waitProcessed(t, w)
	}
	count := func() map[string]int {
		n := map[string]int{}
		for _, o := range rec.all() {
			n[o.Series.Boundary.Name]++
		}
		return n
	}
	send(1000)
	w.SetCoverage(series.Coverage{Mode: "stacks", Stacks: []string{"cart"}})
	if got := w.Coverage(); len(got.Stacks) != 1 || got.Stacks[0] != "cart" {
		t.Fatalf("coverage = %+v", got)
	}
	send(2000)
	w.SetCoverage(series.Coverage{Mode: "all"})
	send(3000)
	stop()
	if n := count(); n["shop"] != 2 || n["cart"] != 2 {
		t.Fatalf("observations per stack = %v, want shop at 1000 and 3000, cart at 2000 and 3000", n)
	}
	// cart became covered at 2000: its baseline starts there.
	for _, o := range rec.all() {
		if o.Series.Boundary.Name == "cart" && !o.Baselining {
			t.Fatalf("cart's observation at %v is not baselining", o.Time)
		}
	}
}
