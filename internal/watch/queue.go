package watch

import (
	"container/list"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"time"
	"unsafe"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/series"
)

// part is one shard's share of one admitted batch. Append copies what the
// worker needs out of the request into it — per series its hash and its
// identity encoded compactly, per sample its time and value — so that
// nothing of the request (its decoded body, its label slices) stays alive
// while the part waits, and the queue's memory is exactly what the parts
// hold: the bytes Options.QueueBytes bounds.
type part struct {
	series  []qseries
	samples []qsample
	// ids holds each series' metric name and labels (see appendIdentity);
	// a worker decodes them only for a series it does not know yet.
	ids  []byte
	cost int64
}

// qseries is a run of samples of one series within a part.
type qseries struct {
	h        uint64
	off, end uint32 // its identity: ids[off:end]
	n        uint32 // its samples: the next n of part.samples
	counter  bool
}

type qsample struct {
	t int64
	v float64
}

// Memory a part holds beyond its slices' contents, and per element.
const (
	partOverhead  = int64(unsafe.Sizeof(part{})) + 3*16 // the struct and its three allocations' headers
	qseriesBytes  = int64(unsafe.Sizeof(qseries{}))
	qsampleBytes  = int64(unsafe.Sizeof(qsample{}))
	maxIdentityID = 1 << 32
)

func (p *part) measure() {
	p.cost = partOverhead + int64(cap(p.series))*qseriesBytes + int64(cap(p.samples))*qsampleBytes + int64(cap(p.ids))
}

// split divides a batch into one part per shard. Consecutive samples of
// one series (the same metric and label slice, as the decoders produce
// them) become one run, hashed once. It counts first and then fills, so
// each part's slices are allocated once at their exact size: the parts
// are all Append allocates, and exactly what the queue's budget counts.
func (w *Watcher) split(batch []ingest.Sample) ([]*part, int64, error) {
	ns := len(w.shards)
	type count struct{ series, samples, ids int }
	counts := make([]count, ns)
	scratch, _ := w.runs.Get().(*[]uint64)
	if scratch == nil {
		scratch = new([]uint64)
	}
	defer w.runs.Put(scratch)
	hashes := (*scratch)[:0]
	for i := range batch {
		s := &batch[i]
		if i > 0 && sameSeries(&batch[i-1], s) {
			counts[hashes[len(hashes)-1]%uint64(ns)].samples++
			continue
		}
		h := series.Hash(s.Metric, s.Labels)
		hashes = append(hashes, h)
		c := &counts[h%uint64(ns)]
		c.series++
		c.samples++
		c.ids += identityLen(s.Metric, s.Labels)
		if c.ids >= maxIdentityID {
			return nil, 0, &BatchTooLargeError{Samples: len(batch), Bytes: int64(c.ids), Limit: w.o.QueueBytes}
		}
	}
	*scratch = hashes
	parts := make([]*part, ns)
	for k, c := range counts {
		if c.series > 0 {
			parts[k] = &part{series: make([]qseries, 0, c.series), samples: make([]qsample, 0, c.samples), ids: make([]byte, 0, c.ids)}
		}
	}
	run := -1
	var cur *part
	for i := range batch {
		s := &batch[i]
		if i == 0 || !sameSeries(&batch[i-1], s) {
			run++
			h := hashes[run]
			cur = parts[h%uint64(ns)]
			off := len(cur.ids)
			cur.ids = appendIdentity(cur.ids, s.Metric, s.Labels)
			cur.series = append(cur.series, qseries{h: h, off: uint32(off), end: uint32(len(cur.ids)), counter: s.Counter})
		}
		cur.series[len(cur.series)-1].n++
		cur.samples = append(cur.samples, qsample{t: s.TimeMs, v: s.Value})
	}
	var cost int64
	for _, p := range parts {
		if p != nil {
			p.measure()
			cost += p.cost
		}
	}
	return parts, cost, nil
}

// identityLen is the length appendIdentity gives a series.
func identityLen(metric string, labels []ingest.Label) int {
	n := uvarintLen(len(metric)) + len(metric) + uvarintLen(len(labels))
	for _, l := range labels {
		n += uvarintLen(len(l.Name)) + len(l.Name) + uvarintLen(len(l.Value)) + len(l.Value)
	}
	return n
}

func uvarintLen(x int) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func sameSeries(a, b *ingest.Sample) bool {
	if a.Counter != b.Counter || len(a.Labels) != len(b.Labels) || a.Metric != b.Metric {
		return false
	}
	return len(a.Labels) == 0 || &a.Labels[0] == &b.Labels[0]
}

// appendIdentity encodes a series' metric and labels: uvarint-prefixed
// strings, the metric, the number of labels, then each name and value.
func appendIdentity(b []byte, metric string, labels []ingest.Label) []byte {
	b = binary.AppendUvarint(b, uint64(len(metric)))
	b = append(b, metric...)
	b = binary.AppendUvarint(b, uint64(len(labels)))
	for _, l := range labels {
		b = binary.AppendUvarint(b, uint64(len(l.Name)))
		b = append(b, l.Name...)
		b = binary.AppendUvarint(b, uint64(len(l.Value)))
		b = append(b, l.Value...)
	}
	return b
}

// readIdentity decodes what appendIdentity wrote; the strings point into b.
func readIdentity(b []byte) (string, []ingest.Label) {
	str := func() string {
		n, k := binary.Uvarint(b)
		s := unsafe.String(unsafe.SliceData(b[k:]), int(n))
		b = b[k+int(n):]
		return s
	}
	metric := str()
	n, k := binary.Uvarint(b)
	b = b[k:]
	labels := make([]ingest.Label, n)
	for i := range labels {
		labels[i].Name = str()
		labels[i].Value = str()
	}
	return metric, labels
}

// errQueueFull is what budget.acquire returns when no room came in time.
var errQueueFull = errors.New("the detection queue is full")

// budget is the queue's memory: a weighted semaphore over bytes that
// admits in arrival order. A batch that does not fit waits — at most the
// wait given, and only while the bytes already waiting fit in the budget
// too — for workers to release room; the wait is the backpressure a
// sender feels before it is refused.
type budget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiting int64      // bytes of the waiters
	waiters *list.List // of *waiter, oldest first
	closed  bool
}

type waiter struct {
	n     int64
	ready chan struct{} // closed when granted
	ok    bool
}

func newBudget(size int64) *budget { return &budget{size: size, waiters: list.New()} }

// acquire takes n bytes, waiting up to wait for them. It returns whether
// it had to wait, and errQueueFull, ErrStopped or ctx's error when it got
// nothing.
func (b *budget) acquire(ctx context.Context, n int64, wait time.Duration) (bool, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false, ErrStopped
	}
	if b.waiters.Len() == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return false, nil
	}
	if wait <= 0 || b.waiting+n > b.size {
		b.mu.Unlock()
		return false, errQueueFull
	}
	wt := &waiter{n: n, ready: make(chan struct{})}
	e := b.waiters.PushBack(wt)
	b.waiting += n
	b.mu.Unlock()

	t := time.NewTimer(wait)
	defer t.Stop()
	var err error
	select {
	case <-wt.ready:
	case <-t.C:
		err = errQueueFull
	case <-ctx.Done():
		err = ctx.Err()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-wt.ready: // granted (or closed) meanwhile: the outcome stands
		if wt.ok {
			return true, nil
		}
		return true, ErrStopped
	default:
	}
	b.waiters.Remove(e)
	b.waiting -= n
	b.grant() // the waiters behind this one may fit now
	return true, err
}

// release returns n bytes and admits the waiters that now fit, in order.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

func (b *budget) grant() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		wt := e.Value.(*waiter)
		if b.used+wt.n > b.size {
			return
		}
		b.used += wt.n
		b.waiting -= wt.n
		wt.ok = true
		b.waiters.Remove(e)
		close(wt.ready)
	}
}

// close refuses every waiter and every later acquire with ErrStopped.
func (b *budget) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		wt := e.Value.(*waiter)
		b.waiting -= wt.n
		b.waiters.Remove(e)
		close(wt.ready)
	}
}

// inUse returns the bytes admitted and not yet released.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Cost returns the bytes of the queue a batch would take (what
// Options.QueueBytes bounds).
func (w *Watcher) Cost(batch []ingest.Sample) int64 {
	_, cost, err := w.split(batch)
	if err != nil {
		return math.MaxInt64
	}
	return cost
}
