package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

func runNotify(t *testing.T, open func(t testing.TB) store.Store) {
	t.Run("Channels", func(t *testing.T) { testChannels(t, open(t)) })
	t.Run("OutboxWithChange", func(t *testing.T) { testOutboxWithChange(t, open(t)) })
	t.Run("OpenInsight", func(t *testing.T) { testOpenInsight(t, open(t)) })
	t.Run("OutboxWithEvent", func(t *testing.T) { testOutboxWithEvent(t, open(t)) })
	t.Run("OutboxDelivery", func(t *testing.T) { testOutboxDelivery(t, open(t)) })
	t.Run("OutboxRateLimit", func(t *testing.T) { testOutboxRateLimit(t, open(t)) })
}

// RunSharedOutbox checks that several stores on one database (several tend
// processes on one PostgreSQL) claim every delivery exactly once.
func RunSharedOutbox(t *testing.T, open func(t testing.TB) store.Store, others ...store.Store) {
	t.Helper()
	testSharedClaim(t, open(t), others)
	if len(others) > 0 {
		t.Run("FanOutOrder", func(t *testing.T) { testFanOutOrder(t, open(t), others[0]) })
	}
}

// testFanOutOrder: while one process fans out an insight's first message,
// another process does not fan out its second (which would be sent first,
// its transaction committing first); it waits, and the first goes first.
func testFanOutOrder(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	t0 := time.Now().UTC()
	if err := a.Channels().Put(ctx, store.Channel{Name: "ordered", Type: "webhook", Source: store.ChannelFromAPI, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	route := func(store.Notification) []store.Route { return []store.Route{{Channel: "ordered"}} }
	// Clear what other tests left undispatched in a shared database.
	for {
		n, err := a.Outbox().FanOut(ctx, 500, func(store.Notification) []store.Route { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if err := a.Outbox().Enqueue(ctx, note("fo-1", "fo-S", t0)); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		var once sync.Once
		_, err := a.Outbox().FanOut(ctx, 1, func(n store.Notification) []store.Route {
			once.Do(func() { close(inside); <-release })
			return route(n)
		})
		aDone <- err
	}()
	<-inside
	if err := b.Outbox().Enqueue(ctx, note("fo-2", "fo-S", t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	bDone := make(chan error, 1)
	go func() {
		_, err := b.Outbox().FanOut(ctx, 10, route)
		bDone <- err
	}()
	select {
	case err := <-bDone:
		close(release)
		<-aDone
		t.Fatalf("the second process fanned out (err %v) while the first held the insight's earlier message", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	got, err := b.Outbox().Claim(ctx, store.ClaimRequest{Owner: "fo", Now: now.Add(time.Minute), Until: now.Add(2 * time.Minute), MaxBatches: 10, MaxMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, bt := range got {
		if bt.Channel != "ordered" {
			continue
		}
		for _, d := range bt.Deliveries {
			ids = append(ids, d.Message.ID)
		}
	}
	if fmt.Sprint(ids) != "[fo-1 fo-2]" {
		t.Fatalf("claimed %v, want [fo-1 fo-2] in one batch", ids)
	}
}

func note(id, subject string, at time.Time) store.Notification {
	return store.Notification{ID: id, Type: "NEW_INSIGHT", Subject: subject, Severity: "HIGH", ProblemType: "CPU_SATURATION",
		BoundaryKind: "stack", BoundaryName: "shop", Body: []byte(`{"InsightId":"` + subject + `"}`), CreatedAt: at}
}

func testChannels(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	chs := s.Channels()
	if _, err := chs.Get(ctx, "ops"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	c := store.Channel{Name: "ops", Type: "webhook", Spec: []byte(`{"url":"http://x"}`), Source: store.ChannelFromAPI,
		RateLimit: 10, RateWindow: time.Minute, CreatedAt: t0, UpdatedAt: t0}
	if err := chs.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Spec, c.UpdatedAt, c.RateLimit = []byte(`{"url":"http://y"}`), t0.Add(time.Hour), 5
	if err := chs.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := chs.Get(ctx, "ops")
	if err != nil || string(got.Spec) != `{"url":"http://y"}` || got.RateLimit != 5 || got.RateWindow != time.Minute ||
		!got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) || got.Source != store.ChannelFromAPI {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if err := chs.Put(ctx, store.Channel{Name: "audit", Type: "email", Source: store.ChannelFromConfig, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	list, err := chs.List(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "audit" || list[1].Name != "ops" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := chs.Delete(ctx, "audit"); err != nil {
		t.Fatal(err)
	}
	if err := chs.Delete(ctx, "audit"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delete(again) = %v, want ErrNotFound", err)
	}
}

// testOutboxWithChange: a message written with an insight, anomaly or run
// change exists exactly when the change committed.
func testOutboxWithChange(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	in := store.Insight{ID: "ins-1", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityLow,
		BoundaryKey: "stack::shop", BoundaryKind: "stack", BoundaryName: "shop", StartedAt: t0, CreatedAt: t0, UpdatedAt: t0,
		Notify: []store.Notification{note("ins-1/NEW_INSIGHT", "ins-1", t0)}}
	if err := s.Insights().Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	// A second ONGOING insight of the boundary is refused, and so is its message.
	dup := in
	dup.ID, dup.Notify = "ins-2", []store.Notification{note("ins-2/NEW_INSIGHT", "ins-2", t0)}
	if err := s.Insights().Create(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Create(second ongoing) = %v, want ErrConflict", err)
	}
	// An update with a stale version writes no message either.
	up := in
	up.Version, up.Severity = 1, store.SeverityHigh
	up.Notify = []store.Notification{note("ins-1/v2/SEVERITY_UPGRADED", "ins-1", t0.Add(time.Second))}
	stored, err := s.Insights().Update(ctx, up)
	if err != nil || stored.Version != 2 {
		t.Fatalf("Update = %+v, %v", stored, err)
	}
	up.Notify = []store.Notification{note("ins-1/stale", "ins-1", t0.Add(2*time.Second))}
	if _, err := s.Insights().Update(ctx, up); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update(stale) = %v, want ErrConflict", err)
	}
	a := store.Anomaly{ID: "ano-1", InsightID: "ins-1", Status: store.AnomalyOpen, SeriesID: "s1", Metric: "cpu", BoundaryKey: "stack::shop",
		StartedAt: t0, PeakAt: t0, UpdatedAt: t0, Notify: []store.Notification{note("ins-1/ano-1/NEW_ASSOCIATION", "ins-1", t0.Add(3*time.Second))}}
	if err := s.Anomalies().Upsert(ctx, []store.Anomaly{a}); err != nil {
		t.Fatal(err)
	}
	// Writing the same message again (a retried write) keeps one.
	if err := s.Anomalies().Upsert(ctx, []store.Anomaly{a}); err != nil {
		t.Fatal(err)
	}
	if err := s.Outbox().Enqueue(ctx, note("ins-1/NEW_INSIGHT", "ins-1", t0)); err != nil {
		t.Fatal(err)
	}
	var ids []string
	n, err := s.Outbox().FanOut(ctx, 100, func(m store.Notification) []store.Route {
		ids = append(ids, m.ID)
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("FanOut = %d, %v; want 3 messages", n, err)
	}
	want := []string{"ins-1/NEW_INSIGHT", "ins-1/v2/SEVERITY_UPGRADED", "ins-1/ano-1/NEW_ASSOCIATION"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("outbox holds %v, want %v in order", ids, want)
	}
	if n, _ := s.Outbox().FanOut(ctx, 100, func(store.Notification) []store.Route { return nil }); n != 0 {
		t.Fatalf("second FanOut took %d messages, want 0", n)
	}
}

// testOutboxWithEvent: an event's messages (NEW_ASSOCIATION) are written
// with it; a duplicate of a stored event writes none, and neither does an
// Add that fails.
func testOutboxWithEvent(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ev := store.Event{ID: "evt-1", Key: "k1", Time: t0, Source: "api", Class: store.EventDeployment, Name: "deploy",
		Resources: []store.EventResource{{Type: "host", ID: "host/web-1", Name: "web-1"}}, ReceivedAt: t0,
		Notify: []store.Notification{note("ins-1.evt-1.NEW_ASSOCIATION", "ins-1", t0)}}
	stored, dup, err := s.Events().Add(ctx, []store.Event{ev})
	if err != nil || dup[0] || len(stored[0].Notify) != 0 {
		t.Fatalf("Add = %+v, %v, %v", stored, dup, err)
	}
	// The same event again (same source and key), carrying another message.
	again := ev
	again.ID, again.Notify = "evt-2", []store.Notification{note("ins-1.evt-2.NEW_ASSOCIATION", "ins-1", t0)}
	if _, dup, err := s.Events().Add(ctx, []store.Event{again}); err != nil || !dup[0] {
		t.Fatalf("Add(duplicate) = %v, %v", dup, err)
	}
	// A failing Add (its second event has no key) writes neither event nor message.
	fresh := ev
	fresh.ID, fresh.Key, fresh.Notify = "evt-3", "k3", []store.Notification{note("ins-1.evt-3.NEW_ASSOCIATION", "ins-1", t0)}
	bad := store.Event{ID: "evt-4", Time: t0, Source: "api", Name: "no key"}
	if _, _, err := s.Events().Add(ctx, []store.Event{fresh, bad}); err == nil {
		t.Fatal("Add(an event without a key) succeeded")
	}
	if _, err := s.Events().Get(ctx, "evt-3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(evt-3) after a failed Add = %v, want ErrNotFound", err)
	}
	var ids []string
	if _, err := s.Outbox().FanOut(ctx, 100, func(m store.Notification) []store.Route {
		ids = append(ids, m.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ins-1.evt-1.NEW_ASSOCIATION"}; fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("outbox holds %v, want %v", ids, want)
	}
}

func testOutboxDelivery(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ob := s.Outbox()
	for _, name := range []string{"hook", "mail"} {
		if err := s.Channels().Put(ctx, store.Channel{Name: name, Type: "webhook", Source: store.ChannelFromAPI, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	// Two subjects: A has three messages, B one.
	msgs := []store.Notification{note("a1", "A", t0), note("b1", "B", t0.Add(time.Second)), note("a2", "A", t0.Add(2*time.Second)), note("a3", "A", t0.Add(20*time.Second))}
	if err := ob.Enqueue(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.FanOut(ctx, 100, func(m store.Notification) []store.Route {
		r := []store.Route{{Channel: "hook", Delay: 5 * time.Second}}
		if m.Subject == "B" {
			r = append(r, store.Route{Channel: "mail"})
		}
		return r
	}); err != nil {
		t.Fatal(err)
	}
	claim := func(owner string, now time.Time) []store.DeliveryBatch {
		t.Helper()
		b, err := ob.Claim(ctx, store.ClaimRequest{Owner: owner, Now: now, Until: now.Add(30 * time.Second), MaxBatches: 10, MaxMessages: 100})
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		return b
	}
	ids := func(b store.DeliveryBatch) (out []string) {
		for _, d := range b.Deliveries {
			out = append(out, d.Message.ID)
		}
		return out
	}
	// At t0+1s nothing of hook is due (group wait 5s); B on mail is.
	got := claim("w1", t0.Add(time.Second))
	if len(got) != 1 || got[0].Channel != "mail" || fmt.Sprint(ids(got[0])) != "[b1]" {
		t.Fatalf("claim at +1s = %+v, want mail [b1]", got)
	}
	mailB := got[0].Deliveries[0].ID
	// At t0+6s, A's head is due: the batch holds a1, a2 and a3 (a3 is not
	// due yet but rides along); B on hook is due too.
	got = claim("w1", t0.Add(6*time.Second))
	sort.Slice(got, func(i, j int) bool { return ids(got[i])[0] < ids(got[j])[0] })
	if len(got) != 2 || fmt.Sprint(ids(got[0])) != "[a1 a2 a3]" || fmt.Sprint(ids(got[1])) != "[b1]" {
		t.Fatalf("claim at +6s = %v", got)
	}
	// Leased: another claimer gets nothing.
	if again := claim("w2", t0.Add(7*time.Second)); len(again) != 0 {
		t.Fatalf("claim of leased deliveries = %+v, want none", again)
	}
	var aIDs []int64
	for _, d := range got[0].Deliveries {
		aIDs = append(aIDs, d.ID)
	}
	// A fails: back to pending at +60s with an attempt counted.
	if err := ob.Complete(ctx, "w1",
		store.DeliveryUpdate{Channel: "hook", IDs: aIDs, State: store.DeliveryPending, NextAt: t0.Add(time.Minute), Error: "503 Service Unavailable", At: t0.Add(7 * time.Second), Attempted: true},
		store.DeliveryUpdate{Channel: "hook", IDs: []int64{got[1].Deliveries[0].ID}, State: store.DeliverySent, At: t0.Add(7 * time.Second), Attempted: true},
		store.DeliveryUpdate{Channel: "mail", IDs: []int64{mailB}, State: store.DeliveryDead, Error: "550 no such user", At: t0.Add(7 * time.Second), Attempted: true},
	); err != nil {
		t.Fatal(err)
	}
	// A complete by someone who does not hold the lease changes nothing.
	if err := ob.Complete(ctx, "w2", store.DeliveryUpdate{Channel: "hook", IDs: aIDs, State: store.DeliverySent, At: t0}); err != nil {
		t.Fatal(err)
	}
	// A later message of A waits for A's head.
	if err := ob.Enqueue(ctx, note("a4", "A", t0.Add(8*time.Second))); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.FanOut(ctx, 100, func(store.Notification) []store.Route { return []store.Route{{Channel: "hook"}} }); err != nil {
		t.Fatal(err)
	}
	if got := claim("w1", t0.Add(30*time.Second)); len(got) != 0 {
		t.Fatalf("claim while A's head backs off = %v, want none (in order per subject)", got)
	}
	got = claim("w2", t0.Add(61*time.Second))
	if len(got) != 1 || fmt.Sprint(ids(got[0])) != "[a1 a2 a3 a4]" || got[0].Deliveries[0].Attempts != 1 {
		t.Fatalf("claim after the backoff = %+v", got)
	}
	st, err := ob.Stats(ctx)
	if err != nil || st.Channels["hook"].Pending != 4 || st.Channels["mail"].Dead != 1 || !st.Channels["hook"].OldestPending.Equal(t0) {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
	hook, _ := s.Channels().Get(ctx, "hook")
	mail, _ := s.Channels().Get(ctx, "mail")
	if !hook.LastSentAt.Equal(t0.Add(7*time.Second)) || hook.LastError != "503 Service Unavailable" || mail.LastError != "550 no such user" {
		t.Fatalf("channel status: hook %+v, mail %+v", hook, mail)
	}
	dead, err := ob.Deliveries(ctx, store.DeliveryFilter{Channel: "mail", State: store.DeliveryDead})
	if err != nil || len(dead) != 1 || dead[0].Message.ID != "b1" || dead[0].LastError != "550 no such user" {
		t.Fatalf("dead letters = %+v, %v", dead, err)
	}
	if n, err := ob.Retry(ctx, "mail", t0.Add(70*time.Second)); err != nil || n != 1 {
		t.Fatalf("Retry = %d, %v", n, err)
	}
	got = claim("w1", t0.Add(70*time.Second))
	if len(got) != 1 || got[0].Channel != "mail" || got[0].Deliveries[0].Attempts != 0 {
		t.Fatalf("claim after Retry = %+v", got)
	}
	// Prune keeps what is not sent.
	if _, err := ob.Prune(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if st, _ := ob.Stats(ctx); st.Channels["hook"].Pending != 4 || st.Channels["mail"].Pending != 1 {
		t.Fatalf("Prune removed pending deliveries: %+v", st)
	}
	if err := s.Channels().Delete(ctx, "hook"); err != nil {
		t.Fatal(err)
	}
	if st, _ := ob.Stats(ctx); st.Channels["hook"].Pending != 0 {
		t.Fatalf("deleting a channel left its deliveries: %+v", st)
	}
}

// testOutboxRateLimit: a channel limited to 3 sends a minute gets two
// batches and a summary of the rest, then nothing until the window ends.
func testOutboxRateLimit(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ob := s.Outbox()
	if err := s.Channels().Put(ctx, store.Channel{Name: "slack", Type: "slack", Source: store.ChannelFromAPI, RateLimit: 3, RateWindow: time.Minute, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	var msgs []store.Notification
	for i := range 10 {
		msgs = append(msgs, note(fmt.Sprintf("m%d", i), fmt.Sprintf("S%d", i), t0.Add(time.Duration(i)*time.Millisecond)))
	}
	if err := ob.Enqueue(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.FanOut(ctx, 100, func(store.Notification) []store.Route { return []store.Route{{Channel: "slack"}} }); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Second)
	got, err := ob.Claim(ctx, store.ClaimRequest{Owner: "w", Now: now, Until: now.Add(time.Minute), MaxBatches: 10, MaxMessages: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Summary || got[1].Summary || !got[2].Summary || len(got[2].Deliveries) != 8 {
		t.Fatalf("claim = %d batches (%+v), want 2 and a summary of 8", len(got), got)
	}
	if err := ob.Enqueue(ctx, note("late", "S99", now)); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.FanOut(ctx, 100, func(store.Notification) []store.Route { return []store.Route{{Channel: "slack"}} }); err != nil {
		t.Fatal(err)
	}
	if got, _ := ob.Claim(ctx, store.ClaimRequest{Owner: "w", Now: now.Add(time.Second), Until: now.Add(time.Minute)}); len(got) != 0 {
		t.Fatalf("claim within the spent window = %+v, want none", got)
	}
	if got, _ := ob.Claim(ctx, store.ClaimRequest{Owner: "w", Now: now.Add(time.Minute), Until: now.Add(2 * time.Minute)}); len(got) != 1 || got[0].Deliveries[0].Message.ID != "late" {
		t.Fatalf("claim in the next window = %+v", got)
	}
}

// testSharedClaim: claimers in several processes (stores) and goroutines
// take every delivery exactly once.
func testSharedClaim(t *testing.T, s store.Store, others []store.Store) {
	ctx := context.Background()
	t0 := time.Now().UTC()
	if err := s.Channels().Put(ctx, store.Channel{Name: "hook", Type: "webhook", Source: store.ChannelFromAPI, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	const n = 300
	var msgs []store.Notification
	for i := range n {
		msgs = append(msgs, note(fmt.Sprintf("m%03d", i), fmt.Sprintf("S%d", i%40), t0))
	}
	if err := s.Outbox().Enqueue(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	all := append([]store.Store{s}, others...)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		st := all[w%len(all)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			for idle := 0; idle < 20; {
				if _, err := st.Outbox().FanOut(ctx, 50, func(store.Notification) []store.Route { return []store.Route{{Channel: "hook"}} }); err != nil {
					t.Error(err)
					return
				}
				now := time.Now()
				got, err := st.Outbox().Claim(ctx, store.ClaimRequest{Owner: owner, Now: now, Until: now.Add(time.Minute), MaxBatches: 4, MaxMessages: 5})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					idle++
					time.Sleep(5 * time.Millisecond)
					continue
				}
				idle = 0
				var ups []store.DeliveryUpdate
				for _, b := range got {
					u := store.DeliveryUpdate{Channel: b.Channel, State: store.DeliverySent, At: now, Attempted: true}
					mu.Lock()
					for _, d := range b.Deliveries {
						seen[d.Message.ID]++
						u.IDs = append(u.IDs, d.ID)
					}
					mu.Unlock()
					ups = append(ups, u)
				}
				if err := st.Outbox().Complete(ctx, owner, ups...); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d of %d messages claimed", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("message %s claimed %d times", id, k)
		}
	}
}

// testOpenInsight: Open stores an insight, its first anomalies and the
// messages of both together — or, when another ONGOING insight holds the
// boundary, none of them.
func testOpenInsight(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	in := store.Insight{ID: "ins-1", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityLow,
		BoundaryKey: "stack::shop", BoundaryKind: "stack", BoundaryName: "shop", StartedAt: t0, CreatedAt: t0, UpdatedAt: t0,
		Notify: []store.Notification{note("ins-1/NEW_INSIGHT", "ins-1", t0)}}
	anom := func(id, insight string) store.Anomaly {
		return store.Anomaly{ID: id, InsightID: insight, Status: store.AnomalyOpen, SeriesID: "s-" + id, Metric: "cpu", BoundaryKey: "stack::shop",
			StartedAt: t0, PeakAt: t0, UpdatedAt: t0}
	}
	a2 := anom("ano-2", "ins-1")
	a2.Notify = []store.Notification{note("ins-1/ano-2/NEW_ASSOCIATION", "ins-1", t0)}
	if err := s.Insights().Open(ctx, in, []store.Anomaly{anom("ano-1", "ins-1"), a2}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Anomalies().ListByInsight(ctx, "ins-1"); err != nil || len(got) != 2 {
		t.Fatalf("anomalies of the opened insight = %v, %v", got, err)
	}
	if got, err := s.Insights().Get(ctx, "ins-1"); err != nil || got.Version != 1 {
		t.Fatalf("opened insight = %+v, %v", got, err)
	}
	dup := in
	dup.ID, dup.Notify = "ins-2", []store.Notification{note("ins-2/NEW_INSIGHT", "ins-2", t0)}
	a3 := anom("ano-3", "ins-2")
	a3.Notify = []store.Notification{note("ins-2/ano-3/NEW_ASSOCIATION", "ins-2", t0)}
	if err := s.Insights().Open(ctx, dup, []store.Anomaly{a3}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Open(second ongoing) = %v, want ErrConflict", err)
	}
	if _, err := s.Anomalies().Get(ctx, "ano-3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused insight's anomaly was stored: %v", err)
	}
	var ids []string
	if _, err := s.Outbox().FanOut(ctx, 100, func(m store.Notification) []store.Route { ids = append(ids, m.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ins-1/NEW_INSIGHT", "ins-1/ano-2/NEW_ASSOCIATION"}; fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("outbox holds %v, want %v", ids, want)
	}
}
