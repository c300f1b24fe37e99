package insight

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
)

// TestProactiveNotifies: a proactive insight commits with its messages,
// as a reactive one does — NEW_INSIGHT when it opens (InsightType
// PROACTIVE), SEVERITY_UPGRADED as the limit nears, CLOSED_INSIGHT when
// the limit is reached — in that order.
func TestProactiveNotifies(t *testing.T) {
	h := newProHarness(t, DefaultProactiveConfig())
	rng := rand.New(rand.NewPCG(7, 7))
	h.run(podInfo, 100*time.Hour, 5*time.Minute, func(hr float64) float64 {
		v := 40 + 5*math.Sin(2*math.Pi*hr/24) + rng.NormFloat64()
		if hr > 48 {
			v += 1.5 * (hr - 48)
		}
		return math.Min(v, 100)
	})
	var types []string
	var ids []string
	if _, err := h.st.Outbox().FanOut(context.Background(), 1000, func(n store.Notification) []store.Route {
		m, err := message.Decode(n)
		if err != nil || m.InsightType != store.InsightProactive || len(m.Anomalies) != 1 || m.Anomalies[0].SourceDetails[0].DataIdentifiers.Name != podInfo.Metric {
			t.Errorf("message %s: %+v, %v", n.ID, m, err)
		}
		types, ids = append(types, n.Type), append(ids, n.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(types) < 2 || types[0] != message.NewInsight || types[len(types)-1] != message.ClosedInsight {
		t.Fatalf("messages %v, want NEW_INSIGHT first and CLOSED_INSIGHT last", types)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("message id %s twice", id)
		}
		seen[id] = true
	}
	t.Logf("messages %v", types)
}
