package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/channel"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/notifytest"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	st    *sqlstore.DB
	clock *clock
	d     *notify.Dispatcher
	seq   int
}

func newEnv(t *testing.T, o notify.Options, specs ...notify.Spec) *env {
	t.Helper()
	e := &env{t: t, st: storetest.OpenSQLite(t), clock: &clock{t: t0}}
	for _, s := range specs {
		if errs := s.Validate(); len(errs) > 0 {
			t.Fatalf("spec %s: %v", s.Name, errs)
		}
		rec, err := s.Record(store.ChannelFromAPI, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.st.Channels().Put(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	o.Store, o.Now = e.st, e.clock.Now
	if o.Build == nil {
		o.Build = channel.Builder(channel.Env{})
	}
	o.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	o.Jitter = func() float64 { return 0.5 }
	d, err := notify.New(o)
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// insightMessage enqueues a message about an insight at the clock's time.
func (e *env) insightMessage(insight, typ, severity string) string {
	e.t.Helper()
	e.seq++
	now := e.clock.Now()
	m := message.Message{MessageId: fmt.Sprintf("%s.%d.%s", insight, e.seq, typ), MessageType: typ, InsightId: insight,
		InsightDescription: "CPU utilisation anomalous on host " + insight, InsightSeverity: severity, StartTime: now.UnixMilli(), Time: now.UnixMilli(),
		ProblemType: "CPU_SATURATION", Boundary: &message.Boundary{Kind: "stack", Name: "shop"}}
	if err := e.st.Outbox().Enqueue(context.Background(), m.Notification(insight, severity, "stack", "shop")); err != nil {
		e.t.Fatal(err)
	}
	return m.MessageId
}

func (e *env) cycle() int {
	e.t.Helper()
	n, err := e.d.Cycle(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func hook(name, url string) notify.Spec {
	return notify.Spec{Name: name, Type: notify.TypeWebhook, URL: url, Secret: "s3cret", GroupWait: notify.Dur(5 * time.Second)}
}

// TestGroupSignOrder: messages of one insight within the group wait go
// out as one signed request, in order; another insight's separately.
func TestGroupSignOrder(t *testing.T) {
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	e := newEnv(t, notify.Options{}, hook("ops", rcv.URL))
	a1 := e.insightMessage("ins-A", message.NewInsight, "low")
	e.clock.Add(time.Second)
	b1 := e.insightMessage("ins-B", message.NewInsight, "high")
	a2 := e.insightMessage("ins-A", message.NewAssociation, "low")
	e.clock.Add(time.Second)
	a3 := e.insightMessage("ins-A", message.SeverityUpgraded, "high")
	if n := e.cycle(); n != 0 {
		t.Fatalf("sent %d batches within the group wait, want 0", n)
	}
	e.clock.Add(5 * time.Second)
	if n := e.cycle(); n != 2 {
		t.Fatalf("sent %d batches, want 2 (one per insight)", n)
	}
	reqs, _, bad := rcv.Stats()
	if reqs != 2 || bad != 0 {
		t.Fatalf("requests %d, bad signatures %d", reqs, bad)
	}
	order := rcv.Order()
	if !slices.Equal(order["ins-A"], []string{a1, a2, a3}) || !slices.Equal(order["ins-B"], []string{b1}) {
		t.Fatalf("order = %v", order)
	}
	if e.cycle() != 0 {
		t.Fatal("sent again")
	}
	ch, _ := e.st.Channels().Get(context.Background(), "ops")
	if !ch.LastSentAt.Equal(e.clock.Now()) || ch.LastError != "" {
		t.Fatalf("channel status %+v", ch)
	}
}

// TestReceiverDownTenMinutes: the receiver answers 503 for ten minutes
// (of the test's clock: the outage is simulated, not waited) while
// messages keep coming; when it is back it gets every one, in order per
// insight, and nothing is dead-lettered.
func TestReceiverDownTenMinutes(t *testing.T) {
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	e := newEnv(t, notify.Options{MaxBackoff: 5 * time.Minute}, hook("ops", rcv.URL))
	rcv.SetDown(true, 0)
	want := map[string][]string{}
	for step := 0; step < 120; step++ { // 10 minutes in 5 s steps
		ins := fmt.Sprintf("ins-%02d", step%12)
		want[ins] = append(want[ins], e.insightMessage(ins, message.NewAssociation, "medium"))
		if step == 60 {
			rcv.SetDown(true, 30) // and asks for 30 s between tries for a while
		}
		e.cycle()
		e.clock.Add(5 * time.Second)
	}
	_, refused, _ := rcv.Stats()
	if refused == 0 || len(rcv.Counts()) != 0 {
		t.Fatalf("the receiver was not down: refused %d, got %d", refused, len(rcv.Counts()))
	}
	rcv.SetDown(false, 0)
	deadline := e.clock.Now().Add(15 * time.Minute)
	for e.clock.Now().Before(deadline) && len(rcv.Counts()) < 120 {
		e.cycle()
		e.clock.Add(5 * time.Second)
	}
	counts := rcv.Counts()
	if len(counts) != 120 {
		t.Fatalf("%d of 120 messages arrived after the outage", len(counts))
	}
	for id, n := range counts {
		if n != 1 {
			t.Errorf("message %s arrived %d times", id, n)
		}
	}
	got := rcv.Order()
	for ins, ids := range want {
		if !slices.Equal(got[ins], ids) {
			t.Errorf("insight %s: order %v, want %v", ins, got[ins], ids)
		}
	}
	st, _ := e.st.Outbox().Stats(context.Background())
	if st.Channels["ops"].Dead != 0 || st.Channels["ops"].Pending != 0 {
		t.Fatalf("queue after recovery: %+v", st.Channels["ops"])
	}
	t.Logf("recovered %s after the receiver came back (test clock)", e.clock.Now().Sub(deadline.Add(-15*time.Minute)))
}

// TestRetryAfterBackoffAndDeadLetter: 429 with Retry-After is waited for;
// 503s back off exponentially until MaxAttempts dead-letters the
// delivery; a 400 dead-letters at once; Retry revives dead letters.
func TestRetryAfterBackoffAndDeadLetter(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusTooManyRequests)
	var times []time.Time
	var mu sync.Mutex
	var e *env
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, e.clock.Now())
		mu.Unlock()
		if s := int(status.Load()); s != 200 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(s)
			return
		}
	}))
	defer srv.Close()
	spec := hook("ops", srv.URL)
	spec.GroupWait = notify.Dur(0)
	e = newEnv(t, notify.Options{MaxAttempts: 4, MinBackoff: time.Second}, spec)
	e.insightMessage("ins-A", message.NewInsight, "high")
	for range 60 { // 5 minutes in 5 s steps
		e.cycle()
		e.clock.Add(5 * time.Second)
	}
	if len(times) != 3 || times[1].Sub(times[0]) < 120*time.Second || times[2].Sub(times[1]) < 120*time.Second {
		t.Fatalf("attempts at %v: want every 120 s (Retry-After)", times)
	}
	status.Store(http.StatusServiceUnavailable)
	for range 120 {
		e.cycle()
		e.clock.Add(5 * time.Second)
	}
	dead, _ := e.st.Outbox().Deliveries(context.Background(), store.DeliveryFilter{Channel: "ops", State: store.DeliveryDead})
	if len(times) != 4 || len(dead) != 1 || dead[0].Attempts != 4 {
		t.Fatalf("after MaxAttempts: %d attempts, dead %+v", len(times), dead)
	}
	status.Store(http.StatusBadRequest)
	e.insightMessage("ins-B", message.NewInsight, "high")
	e.cycle()
	dead, _ = e.st.Outbox().Deliveries(context.Background(), store.DeliveryFilter{Channel: "ops", State: store.DeliveryDead})
	if len(dead) != 2 || dead[0].Attempts != 1 {
		t.Fatalf("a 400 is not dead-lettered at once: %+v", dead)
	}
	status.Store(http.StatusOK)
	if n, err := e.st.Outbox().Retry(context.Background(), "ops", e.clock.Now()); err != nil || n != 2 {
		t.Fatalf("Retry = %d, %v", n, err)
	}
	if n := e.cycle(); n != 2 {
		t.Fatalf("after Retry sent %d batches, want 2", n)
	}
}

// TestRateLimitSummary: a channel allowed 2 sends a minute, with 5
// insights due, sends one and a summary of the other four; the next
// minute's message goes out on its own.
func TestRateLimitSummary(t *testing.T) {
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	spec := hook("slackish", rcv.URL)
	spec.RateLimit, spec.RateWindow = 2, notify.Dur(time.Minute)
	e := newEnv(t, notify.Options{}, spec)
	for i := range 5 {
		e.insightMessage(fmt.Sprintf("ins-%d", i), message.NewInsight, "high")
	}
	e.clock.Add(5 * time.Second)
	if n := e.cycle(); n != 2 {
		t.Fatalf("sent %d batches, want 2", n)
	}
	msgs := rcv.Messages()
	if len(msgs) != 5 {
		t.Fatalf("%d messages arrived, want all 5 (one alone, four in the summary)", len(msgs))
	}
	e.insightMessage("ins-9", message.NewInsight, "high")
	e.clock.Add(10 * time.Second)
	if n := e.cycle(); n != 0 {
		t.Fatalf("sent %d batches within the spent window", n)
	}
	e.clock.Add(time.Minute)
	if n := e.cycle(); n != 1 || rcv.Count(msgs[0].MessageId) != 1 {
		t.Fatalf("next window: %d batches", n)
	}
}

// TestRunDeliversPromptly: with Run and the store's wake-up, a message is
// at the receiver well before the poll interval.
func TestRunDeliversPromptly(t *testing.T) {
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	st := storetest.OpenSQLite(t)
	spec := hook("ops", rcv.URL)
	spec.GroupWait = notify.Dur(0)
	rec, _ := spec.Record(store.ChannelFromAPI, time.Now())
	if err := st.Channels().Put(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	d, err := notify.New(notify.Options{Store: st, Build: channel.Builder(channel.Env{}), Wake: st.OutboxWake(), Poll: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond) // Run's first round loads the channels
	m := message.Message{MessageId: "m1", MessageType: message.NewInsight, InsightId: "ins-1", Time: time.Now().UnixMilli()}
	start := time.Now()
	if err := st.Outbox().Enqueue(ctx, m.Notification("ins-1", "HIGH", "", "")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rcv.Wait():
		t.Logf("delivered %s after the enqueue", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("not delivered within 5s (the poll is 1m: the wake-up did not work)")
	}
}

func TestFilter(t *testing.T) {
	n := store.Notification{Type: message.NewInsight, Severity: "HIGH", ProblemType: "CPU_SATURATION", BoundaryKind: "stack", BoundaryName: "shop"}
	for _, c := range []struct {
		name string
		f    notify.Filter
		want bool
	}{
		{"empty takes all", notify.Filter{}, true},
		{"severity", notify.Filter{Severities: []string{"high"}}, true},
		{"other severity", notify.Filter{Severities: []string{"low", "medium"}}, false},
		{"type", notify.Filter{MessageTypes: []string{"NEW_INSIGHT", "CLOSED_INSIGHT"}}, true},
		{"other type", notify.Filter{MessageTypes: []string{"RUN_ACTED"}}, false},
		{"boundary kind:name", notify.Filter{Boundaries: []string{"stack:shop"}}, true},
		{"bare boundary name", notify.Filter{Boundaries: []string{"shop"}}, true},
		{"boundary of another kind", notify.Filter{Boundaries: []string{"app:shop"}}, false},
		{"problem type", notify.Filter{ProblemTypes: []string{"MEMORY_SATURATION"}}, false},
		{"all must match", notify.Filter{Severities: []string{"high"}, ProblemTypes: []string{"CPU_SATURATION"}, Boundaries: []string{"stack:pay"}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Accepts(n); got != c.want {
				t.Fatalf("Accepts = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	for _, c := range []struct {
		spec  notify.Spec
		field string
	}{
		{notify.Spec{Name: "a b", Type: "webhook", URL: "http://x"}, "name"},
		{notify.Spec{Name: "a", Type: "pager", URL: "http://x"}, "type"},
		{notify.Spec{Name: "a", Type: "webhook"}, "url"},
		{notify.Spec{Name: "a", Type: "webhook", URL: "ftp://x"}, "url"},
		{notify.Spec{Name: "a", Type: "webhook", URL: "http://x", Secret: "s", SecretFile: "/f"}, "secret"},
		{notify.Spec{Name: "a", Type: "sns", TopicARN: "topic"}, "topic_arn"},
		{notify.Spec{Name: "a", Type: "pagerduty"}, "routing_key"},
		{notify.Spec{Name: "a", Type: "email", SMTP: "mail:587", From: "tend@example.com"}, "to"},
		{notify.Spec{Name: "a", Type: "email", SMTP: "mail", From: "tend@example.com", To: []string{"a@example.com"}}, "smtp"},
		{notify.Spec{Name: "a", Type: "email", SMTP: "mail:25", From: "x", To: []string{"a@example.com"}}, "from"},
		{notify.Spec{Name: "a", Type: "webhook", URL: "http://x", Filter: notify.Filter{Severities: []string{"urgent"}}}, "filter.severities[0]"},
		{notify.Spec{Name: "a", Type: "webhook", URL: "http://x", Filter: notify.Filter{MessageTypes: []string{"NEW"}}}, "filter.message_types[0]"},
		{notify.Spec{Name: "a", Type: "webhook", URL: "http://x", Filter: notify.Filter{Boundaries: []string{"cluster:x"}}}, "filter.boundaries[0]"},
		{notify.Spec{Name: "a", Type: "webhook", URL: "http://x", GroupWait: notify.Dur(2 * time.Hour)}, "group_wait"},
		{notify.Spec{Name: "a", Type: "webhook", URL: "http://x", RateLimit: -1}, "rate_limit"},
	} {
		t.Run(c.field, func(t *testing.T) {
			errs := c.spec.Validate()
			if len(errs) != 1 || errs[0].Field != c.field {
				t.Fatalf("Validate = %v, want one error on %s", errs, c.field)
			}
		})
	}
}

// TestSpecPrintsRedacted: printing a spec (tend config validate prints the
// configuration with %v) never shows its secrets.
func TestSpecPrintsRedacted(t *testing.T) {
	specs := []notify.Spec{
		{Name: "ops", Type: notify.TypeWebhook, URL: "https://hooks.example.com/tend", Secret: "very-secret-value"},
		{Name: "chat", Type: notify.TypeSlack, URL: "https://hooks.slack.com/services/T0/B0/very-secret-value"},
		{Name: "oncall", Type: notify.TypePagerDuty, RoutingKey: "very-secret-value"},
		{Name: "mail", Type: notify.TypeEmail, SMTP: "mail.example.com:587", Username: "tend", Password: "very-secret-value"},
		{Name: "am", Type: notify.TypeAlertmanager, URL: "https://tend:very-secret-value@am.example.com"},
	}
	out := fmt.Sprint(specs)
	if strings.Contains(out, "very-secret-value") || !strings.Contains(out, `"name":"ops"`) {
		t.Fatalf("printed %s", out)
	}
}
