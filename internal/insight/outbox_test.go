package insight

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
)

// outbox reads every message the engine wrote, in order.
func (h *harness) outbox() []message.Message {
	h.t.Helper()
	var out []message.Message
	_, err := h.st.(store.Store).Outbox().FanOut(context.Background(), 1000, func(n store.Notification) []store.Route {
		m, err := message.Decode(n)
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		h.t.Fatalf("FanOut: %v", err)
	}
	return out
}

// TestInsightMessagesInTheOutbox follows one insight's life: it opens on a
// mild CPU anomaly, a second metric joins and its severity rises, it
// closes; across a restart in the middle. Every event is one message in
// the outbox, in order, with DevOps Guru's fields.
func TestInsightMessagesInTheOutbox(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	load := hostSeries("host_load1", "web-1", "shop")
	at := t0
	for i := 0; i < 3; i++ {
		h.observe(cpu, at, 70, 0.6, "value 70 is 5σ from the baseline mean 12")
		at = at.Add(10 * time.Second)
	}
	h.flush()
	h.restart(testConfig())
	for i := 0; i < 3; i++ {
		h.observe(cpu, at, 99, 0.95, "value 99 is 9σ from the baseline mean 12")
		h.observe(load, at, 8, 0.95, "value 8 is 12σ from the baseline mean 0.4")
		at = at.Add(10 * time.Second)
	}
	h.flush()
	for i := 0; i < 6; i++ {
		h.observe(cpu, at, 12, 0.01, "")
		h.observe(load, at, 0.4, 0.01, "")
		at = at.Add(10 * time.Second)
	}
	h.flush()
	h.advance(time.Hour)

	got := h.outbox()
	var types []string
	ids := map[string]bool{}
	for _, m := range got {
		types = append(types, m.MessageType)
		if ids[m.MessageId] {
			t.Errorf("message id %s twice", m.MessageId)
		}
		ids[m.MessageId] = true
	}
	// The load anomaly is stored (NEW_ASSOCIATION) before the insight's
	// summary (SEVERITY_UPGRADED).
	want := "NEW_INSIGHT NEW_ASSOCIATION SEVERITY_UPGRADED CLOSED_INSIGHT"
	if s := strings.Join(types, " "); s != want {
		t.Fatalf("messages %s, want %s", s, want)
	}
	ins := h.insights()
	if len(ins) != 1 {
		t.Fatalf("%d insights", len(ins))
	}
	in := ins[0]
	first, closed := got[0], got[len(got)-1]
	if first.InsightId != in.ID || first.AccountId != "111122223333" || first.Region != "eu-west-1" || first.InsightType != "REACTIVE" ||
		first.InsightSeverity != "low" || first.InsightUrl != "http://tend.test/v1/insights/"+in.ID || first.StartTime != t0.UnixMilli() ||
		len(first.Anomalies) != 1 || first.Boundary == nil || first.Boundary.Name != "shop" {
		t.Errorf("NEW_INSIGHT = %+v", first)
	}
	d := first.Anomalies[0].SourceDetails[0].DataIdentifiers
	if d.Name != "host_cpu_utilization" || d.Period != "10" || d.Stat != "Average" || d.Namespace != "node" || d.Unit != "percent" ||
		d.Dimensions != `{"instance":"web-1","job":"node"}` {
		t.Errorf("DataIdentifiers = %+v", d)
	}
	if up := got[2]; up.PreviousSeverity != "low" || up.InsightSeverity != "high" {
		t.Errorf("SEVERITY_UPGRADED = %+v", up)
	}
	if assoc := got[1]; len(assoc.Anomalies) != 1 || assoc.Anomalies[0].SourceDetails[0].DataIdentifiers.Name != "host_load1" {
		t.Errorf("NEW_ASSOCIATION = %+v", assoc)
	}
	if closed.EndTime == 0 || closed.InsightId != in.ID || len(closed.Anomalies) != 2 {
		t.Errorf("CLOSED_INSIGHT = %+v", closed)
	}
	if fmt.Sprint(first.MessageId) != in.ID+".NEW_INSIGHT" {
		t.Errorf("NEW_INSIGHT id = %s", first.MessageId)
	}
}

// An event stored while an insight is being opened is related to it by
// neither message: its own write did not see the insight yet, and the
// insight's NEW_INSIGHT was written before it. The engine catches up: for
// the first catchUpFor after opening, every tick announces related events
// it has not told of — once, with the id the event's own write would have
// given the message, so an event that did see the insight is not
// announced twice.
func TestEventsStoredWhileAnInsightOpensAreAnnounced(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	ctx := context.Background()
	evs := h.st.(store.Store).Events()
	add := func(id string, at time.Time, stack string) {
		t.Helper()
		ev := store.Event{ID: id, Key: id, Time: at, Source: "github", Class: store.EventDeployment, Name: "deployment", Stack: stack, ReceivedAt: at}
		if _, _, err := evs.Add(ctx, []store.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	add("evt-before", t0.Add(-10*time.Minute), "shop") // in the NEW_INSIGHT
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	at := t0
	for i := 0; i < 3; i++ {
		h.observe(cpu, at, 70, 0.6, "value 70 is 5σ from the baseline mean 12")
		at = at.Add(10 * time.Second)
	}
	h.flush()
	ins := h.insights()
	if len(ins) != 1 {
		t.Fatalf("%d insights", len(ins))
	}
	// Stored as if in the instant the insight opened: without messages.
	add("evt-race", t0.Add(5*time.Second), "shop")
	add("evt-other", t0.Add(5*time.Second), "billing") // unrelated
	// Stored after, by a write that saw the insight (Associate).
	seen, err := Associate(ctx, h.st.(store.Store), []store.Event{{ID: "evt-seen", Key: "evt-seen", Time: t0.Add(6 * time.Second), Source: "github",
		Class: store.EventDeployment, Name: "deployment", Stack: "shop", ReceivedAt: t0.Add(6 * time.Second)}}, AssociateOptions{Now: h.clock.Now})
	if err != nil || len(seen[0].Notify) != 1 {
		t.Fatalf("Associate = %+v, %v", seen, err)
	}
	if _, _, err := evs.Add(ctx, seen); err != nil {
		t.Fatal(err)
	}
	h.advance(10 * time.Second)
	h.advance(10 * time.Second)
	h.advance(time.Minute) // the catch-up is over
	add("evt-late", t0.Add(2*time.Minute), "shop")
	h.advance(10 * time.Second)

	got := h.outbox()
	var lines []string
	for _, m := range got {
		line := m.MessageType
		for _, e := range m.Events {
			line += " " + e.Id
		}
		lines = append(lines, line)
	}
	// evt-late was stored without its write's NEW_ASSOCIATION, which the
	// real path always writes: after the catch-up nothing else looks.
	want := "NEW_INSIGHT evt-before | NEW_ASSOCIATION evt-seen | NEW_ASSOCIATION evt-race"
	if s := strings.Join(lines, " | "); s != want {
		t.Fatalf("messages\n  %s\nwant\n  %s", s, want)
	}
}
