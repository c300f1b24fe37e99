package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
)

// Store is the part of the store the dispatcher uses.
type Store interface {
	Outbox() store.Outbox
	Channels() store.Channels
}

// Builder makes the Notifier of a channel from its spec (secrets
// resolved); package notify/channel has the one for every type.
type Builder func(ctx context.Context, s Spec) (Notifier, error)

// Options are the dispatcher's dependencies and limits.
type Options struct {
	Store Store
	Build Builder
	// Wake, when set, signals that messages were written (the store's
	// OutboxWake), so they go out without waiting for Poll.
	Wake       <-chan struct{}
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock (time.Now when nil): due times and backoff run on it.
	Now func() time.Time
	// Owner names this process in leases (host:pid when empty).
	Owner string
	// Lease is how long a claimed batch is this process's (default 30s);
	// another process resends it after that if this one died.
	Lease time.Duration
	// Poll is how often to look for due deliveries when nothing woke the
	// dispatcher (default 1s).
	Poll time.Duration
	// MaxAttempts dead-letters a delivery after this many failed sends
	// (default 25).
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before a retry (defaults
	// 1s and 10m); it doubles per attempt, with jitter, and a receiver's
	// Retry-After is honoured (up to an hour).
	MinBackoff, MaxBackoff time.Duration
	// Retention is how long sent deliveries are kept (default 7 days).
	Retention time.Duration
	// Concurrency bounds the sends in flight (default 32).
	Concurrency int
	// MaxMessages bounds one batch (default 100).
	MaxMessages int
	// Jitter returns a number in [0, 1) (math/rand when nil).
	Jitter func() float64
}

// Dispatcher delivers the outbox. Build it with New; Run delivers until
// ctx ends. Cycle does one round, for tests that drive the clock.
type Dispatcher struct {
	o   Options
	log *slog.Logger
	m   metrics

	mu        sync.Mutex
	chans     map[string]*channelState
	refreshed time.Time
	lastPrune time.Time
}

type channelState struct {
	rec  store.Channel
	spec Spec
	n    Notifier
	err  error // building the notifier failed
}

type metrics struct {
	sent, failed *prometheus.CounterVec
	latency      prometheus.Histogram
}

// New builds a dispatcher; it starts nothing.
func New(o Options) (*Dispatcher, error) {
	if o.Store == nil || o.Build == nil {
		return nil, errors.New("notify: Store and Build are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		o.Owner = host + ":" + strconv.Itoa(os.Getpid())
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Lease, 30*time.Second)
	def(&o.Poll, time.Second)
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, 10*time.Minute)
	def(&o.Retention, 7*24*time.Hour)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 25
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.MaxMessages <= 0 {
		o.MaxMessages = 100
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	d := &Dispatcher{o: o, log: o.Logger, chans: map[string]*channelState{}}
	d.m = metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tend_notify_sent_total",
			Help: "Messages a channel accepted."}, []string{"channel"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tend_notify_failed_total",
			Help: "Messages whose send failed, by channel and what follows (retry or dead)."}, []string{"channel", "result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tend_notify_delivery_seconds",
			Help:    "Time from a message's write into the outbox to its channel accepting it.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800}}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(d.m.sent, d.m.failed, d.m.latency, queueCollector{d})
	}
	return d, nil
}

// Run delivers until ctx is cancelled, then waits for the sends in flight.
func (d *Dispatcher) Run(ctx context.Context) error {
	sem := make(chan struct{}, d.o.Concurrency)
	done := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(d.o.Poll)
	defer timer.Stop()
	for {
		worked := d.round(ctx, func(b store.DeliveryBatch) bool {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				d.release(b)
				return false
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.send(context.WithoutCancel(ctx), b)
				<-sem
				select {
				case done <- struct{}{}:
				default:
				}
			}()
			return true
		}, 2*d.o.Concurrency-len(sem)) // a claim for the sends in flight and the next ones: fewer claims; each waits at most one send's timeout, well within its lease
		if ctx.Err() != nil {
			return nil
		}
		if worked {
			continue
		}
		timer.Reset(d.o.Poll)
		select {
		case <-ctx.Done():
			return nil
		case <-d.o.Wake:
		case <-done:
		case <-timer.C:
		}
	}
}

// Cycle does one round synchronously: fan out what is new, send every due
// batch, record the outcomes. It returns the batches it sent.
func (d *Dispatcher) Cycle(ctx context.Context) (int, error) {
	var batches []store.DeliveryBatch
	d.round(ctx, func(b store.DeliveryBatch) bool { batches = append(batches, b); return true }, 1<<20)
	var wg sync.WaitGroup
	for _, b := range batches {
		wg.Add(1)
		go func() { defer wg.Done(); d.send(ctx, b) }()
	}
	wg.Wait()
	return len(batches), ctx.Err()
}

// round fans out, claims up to free batches per channel and hands each to
// start (false: stop). It reports whether it found work.
func (d *Dispatcher) round(ctx context.Context, start func(store.DeliveryBatch) bool, free int) bool {
	now := d.o.Now()
	d.refresh(ctx, now, false)
	worked := false
	ctx = store.Unsynced(ctx) // bookkeeping: see complete
	for {
		n, err := d.o.Store.Outbox().FanOut(ctx, 500, d.route)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("fan out messages (retrying)", "err", err)
			}
			break
		}
		worked = worked || n > 0
		if n < 500 {
			break
		}
	}
	if free <= 0 {
		return worked
	}
	batches, err := d.o.Store.Outbox().Claim(ctx, store.ClaimRequest{Owner: d.o.Owner, Now: now, Until: now.Add(d.o.Lease),
		MaxBatches: free, MaxMessages: d.o.MaxMessages})
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("claim deliveries (retrying)", "err", err)
		}
		return worked
	}
	for i, b := range batches {
		if !start(b) {
			for _, b := range batches[i+1:] {
				d.release(b)
			}
			break
		}
	}
	if now.Sub(d.lastPrune) > time.Hour {
		d.lastPrune = now
		if n, err := d.o.Store.Outbox().Prune(ctx, now.Add(-d.o.Retention)); err != nil {
			d.log.Warn("prune the outbox", "err", err)
		} else if n > 0 {
			d.log.Debug("pruned the outbox", "messages", n)
		}
	}
	return worked || len(batches) > 0
}

// Reload makes the next round read the channels again (one was added,
// changed or removed).
func (d *Dispatcher) Reload() {
	d.mu.Lock()
	d.refreshed = time.Time{}
	d.mu.Unlock()
}

// refresh reloads the channels (at most once a second unless forced),
// rebuilding the notifiers of those whose spec changed.
func (d *Dispatcher) refresh(ctx context.Context, now time.Time, force bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !force && !d.refreshed.IsZero() && now.Sub(d.refreshed) < time.Second && !now.Before(d.refreshed) {
		return
	}
	list, err := d.o.Store.Channels().List(ctx)
	if err != nil {
		d.log.Warn("list channels", "err", err)
		return
	}
	d.refreshed = now
	seen := map[string]bool{}
	for _, c := range list {
		seen[c.Name] = true
		if old := d.chans[c.Name]; old != nil && string(old.rec.Spec) == string(c.Spec) {
			old.rec = c
			continue
		}
		st := &channelState{rec: c}
		// Every channel's counters exist from the start, at 0.
		d.m.sent.WithLabelValues(c.Name)
		d.m.failed.WithLabelValues(c.Name, "retry")
		d.m.failed.WithLabelValues(c.Name, "dead")
		st.spec, st.err = SpecOf(c)
		if st.err == nil {
			st.n, st.err = d.build(ctx, st.spec)
		}
		if st.err != nil {
			d.log.Error("channel cannot send (its deliveries wait)", "channel", c.Name, "err", st.err)
		}
		d.chans[c.Name] = st
	}
	for name := range d.chans {
		if !seen[name] {
			delete(d.chans, name)
		}
	}
}

func (d *Dispatcher) build(ctx context.Context, s Spec) (Notifier, error) {
	r, err := s.Resolved()
	if err != nil {
		return nil, err
	}
	return d.o.Build(ctx, r)
}

// route sends a message to every channel whose filter takes it.
func (d *Dispatcher) route(n store.Notification) []store.Route {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []store.Route
	for name, c := range d.chans {
		if c.spec.Type == "" || !c.spec.Filter.Accepts(n) {
			continue
		}
		out = append(out, store.Route{Channel: name, Delay: c.spec.GroupWaitOr()})
	}
	return out
}

func (d *Dispatcher) channel(name string) *channelState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.chans[name]
}

// send delivers one batch and records what happened.
func (d *Dispatcher) send(ctx context.Context, b store.DeliveryBatch) {
	batch := Batch{Channel: b.Channel, Summary: b.Summary}
	for _, dl := range b.Deliveries {
		m, err := message.Decode(dl.Message)
		if err != nil {
			d.complete(ctx, store.DeliveryUpdate{Channel: b.Channel, IDs: []int64{dl.ID}, State: store.DeliveryDead, Error: err.Error(), At: d.o.Now(), Attempted: true})
			continue
		}
		batch.Messages = append(batch.Messages, m)
	}
	if len(batch.Messages) == 0 {
		return
	}
	batch.Key = BatchKey(batch.Messages)
	c := d.channel(b.Channel)
	var err error
	switch {
	case c == nil:
		err = fmt.Errorf("channel %s is not loaded yet", b.Channel)
	case c.err != nil:
		err = c.err
	default:
		sctx, cancel := context.WithTimeout(ctx, c.spec.TimeoutOr())
		err = c.n.Notify(sctx, batch)
		cancel()
	}
	now := d.o.Now()
	var ids []int64
	for _, dl := range b.Deliveries {
		ids = append(ids, dl.ID)
	}
	if err == nil {
		d.m.sent.WithLabelValues(b.Channel).Add(float64(len(b.Deliveries)))
		for _, dl := range b.Deliveries {
			d.m.latency.Observe(now.Sub(dl.Message.CreatedAt).Seconds())
		}
		d.complete(ctx, store.DeliveryUpdate{Channel: b.Channel, IDs: ids, State: store.DeliverySent, At: now, Attempted: true})
		return
	}
	permanent, wait := classify(err)
	var retry, dead []int64
	for _, dl := range b.Deliveries {
		if permanent || dl.Attempts+1 >= d.o.MaxAttempts {
			dead = append(dead, dl.ID)
		} else {
			retry = append(retry, dl.ID)
		}
	}
	attempts := b.Deliveries[0].Attempts + 1
	next := now.Add(d.backoff(attempts, wait))
	d.m.failed.WithLabelValues(b.Channel, "retry").Add(float64(len(retry)))
	d.m.failed.WithLabelValues(b.Channel, "dead").Add(float64(len(dead)))
	if len(dead) > 0 {
		d.log.Error("notification dead-lettered (retry it with tend channels retry)", "channel", b.Channel, "messages", len(dead), "permanent", permanent, "err", err)
	} else {
		d.log.Warn("notification send failed (retrying)", "channel", b.Channel, "messages", len(retry), "attempt", attempts, "retry_in", next.Sub(now).Round(time.Millisecond).String(), "err", err)
	}
	d.complete(ctx,
		store.DeliveryUpdate{Channel: b.Channel, IDs: retry, State: store.DeliveryPending, NextAt: next, Error: err.Error(), At: now, Attempted: true},
		store.DeliveryUpdate{Channel: b.Channel, IDs: dead, State: store.DeliveryDead, Error: err.Error(), At: now, Attempted: true})
}

// release gives back a claimed batch that will not be sent (tend is
// stopping), so that the next start need not wait for its lease.
func (d *Dispatcher) release(b store.DeliveryBatch) {
	u := store.DeliveryUpdate{Channel: b.Channel, State: store.DeliveryPending, NextAt: d.o.Now(), At: d.o.Now()}
	for _, dl := range b.Deliveries {
		u.IDs = append(u.IDs, dl.ID)
	}
	d.complete(context.Background(), u)
}

// The dispatcher's own writes (fan-out, leases, outcomes, pruning) are
// bookkeeping: the store commits them without waiting for the disk
// (store.Unsynced). Each is kept if tend crashes; if the machine loses
// power, the database is as of an earlier commit, and what the lost
// writes recorded is done again — a message fanned out again (its
// deliveries are unique per channel), a batch sent again (receivers dedupe
// on MessageId) — never lost, since the messages themselves were written
// synced with the change that caused them.
func (d *Dispatcher) complete(ctx context.Context, u ...store.DeliveryUpdate) {
	if err := d.o.Store.Outbox().Complete(store.Unsynced(ctx), d.o.Owner, u...); err != nil {
		// The lease runs out and the batch is sent again: at least once.
		d.log.Warn("record a delivery (it will be sent again)", "err", err)
	}
}

// backoff is the wait before attempt+1: MinBackoff doubled per attempt,
// capped at MaxBackoff, with full jitter over its upper half; at least
// what the receiver asked for (up to an hour).
func (d *Dispatcher) backoff(attempt int, asked time.Duration) time.Duration {
	exp := float64(d.o.MinBackoff) * math.Pow(2, float64(min(attempt-1, 40)))
	w := time.Duration(min(exp, float64(d.o.MaxBackoff)))
	w = w/2 + time.Duration(d.o.Jitter()*float64(w/2))
	if asked > w {
		w = min(asked, time.Hour)
	}
	return w
}

// Test sends a test message to one channel now, outside the outbox, and
// returns what the channel answered.
func (d *Dispatcher) Test(ctx context.Context, name string) error {
	d.refresh(ctx, d.o.Now(), true)
	c := d.channel(name)
	if c == nil {
		return fmt.Errorf("channel %q: %w", name, store.ErrNotFound)
	}
	if c.err != nil {
		return c.err
	}
	return TestChannel(ctx, c.spec, c.n, d.o.Now())
}

// TestChannel sends a test message through n.
func TestChannel(ctx context.Context, s Spec, n Notifier, now time.Time) error {
	m := message.Message{MessageId: "test-" + strconv.FormatInt(now.UnixNano(), 36), MessageType: "TEST",
		InsightDescription: "tend test message for channel " + s.Name + ": notifications reach you",
		InsightSeverity:    "low", StartTime: now.UnixMilli(), Time: now.UnixMilli()}
	ctx, cancel := context.WithTimeout(ctx, s.TimeoutOr())
	defer cancel()
	return n.Notify(ctx, Batch{Channel: s.Name, Messages: []message.Message{m}, Key: m.MessageId})
}

// queueCollector reports the outbox's depth and age at each scrape.
type queueCollector struct{ d *Dispatcher }

var (
	queueDepthDesc = prometheus.NewDesc("tend_notify_queue_depth", "Messages waiting to be delivered, per channel (channel \"\": not yet fanned out).", []string{"channel"}, nil)
	oldestDesc     = prometheus.NewDesc("tend_notify_oldest_pending_seconds", "Age of the oldest message waiting to be delivered, per channel.", []string{"channel"}, nil)
	deadDesc       = prometheus.NewDesc("tend_notify_dead_letters", "Deliveries that gave up, per channel (tend channels retry).", []string{"channel"}, nil)
)

func (queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- oldestDesc
	ch <- deadDesc
}

func (q queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := q.d.o.Store.Outbox().Stats(ctx)
	if err != nil {
		q.d.log.Warn("outbox stats for metrics", "err", err)
		return
	}
	now := q.d.o.Now()
	age := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return max(0, now.Sub(t).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(st.Undispatched), "")
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age(st.OldestUndispatched), "")
	q.d.mu.Lock()
	names := make([]string, 0, len(q.d.chans))
	for n := range q.d.chans {
		names = append(names, n)
	}
	q.d.mu.Unlock()
	for _, n := range names {
		c := st.Channels[n]
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(c.Pending), n)
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age(c.OldestPending), n)
		ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(c.Dead), n)
	}
}
