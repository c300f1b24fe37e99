package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tendhq/tend/internal/embed"
)

// OpenSource returns the source a batch names by URI.
type OpenSource func(ctx context.Context, uri string) (embed.Source, error)

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	Name   string // who, in the records (host:pid by default in the CLI)
	Model  embed.Model
	Sink   embed.Sink
	Open   OpenSource
	Logger *slog.Logger
	Now    func() time.Time
	// IdleExit, if positive, makes Run return after that long with no
	// message (benchmarks, tests, one-shot batch machines).
	IdleExit time.Duration
	// OnBatch, if set, is called after each batch is acknowledged.
	OnBatch func(b Batch, res embed.BatchResult)
}

// Worker pulls batches and embeds them, one at a time.
type Worker struct {
	q       *Queue
	o       WorkerOptions
	w       map[string]*embed.Worker // by source URI
	mu      sync.Mutex
	batches int
}

// NewWorker returns a worker of the queue.
func (q *Queue) NewWorker(o WorkerOptions) *Worker {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Worker{q: q, o: o, w: map[string]*embed.Worker{}}
}

// Batches returns how many batches the worker has acknowledged.
func (w *Worker) Batches() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.batches
}

// Run pulls and processes batches until ctx ends (returning nil) or, with
// IdleExit, until the queue has been empty that long.
func (w *Worker) Run(ctx context.Context) error {
	idleSince := time.Now()
	for ctx.Err() == nil {
		wait := 5 * time.Second
		if w.o.IdleExit > 0 {
			wait = min(wait, max(w.o.IdleExit/2, 100*time.Millisecond))
		}
		mb, err := w.q.cons.Fetch(1, jetstream.FetchMaxWait(wait))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			w.o.Logger.Warn("fetch a batch", "err", err)
			time.Sleep(time.Second)
			continue
		}
		got := false
		for msg := range mb.Messages() {
			got = true
			w.handle(ctx, msg)
		}
		if err := mb.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() == nil {
			w.o.Logger.Warn("fetch a batch", "err", err)
		}
		if got {
			idleSince = time.Now()
		} else if w.o.IdleExit > 0 && time.Since(idleSince) >= w.o.IdleExit {
			return nil
		}
	}
	return nil
}

func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		w.o.Logger.Error("batch message without metadata", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	attempt := int(meta.NumDelivered)
	var b Batch
	if err := json.Unmarshal(msg.Data(), &b); err != nil || b.Job == "" {
		w.deadLetter(ctx, msg, Batch{Job: "unknown"}, attempt, fmt.Sprintf("undecodable batch message: %v", err))
		return
	}
	log := w.o.Logger.With("job", b.Job, "batch", b.Seq, "attempt", attempt)
	if attempt > w.q.set.Attempts {
		// Delivered this often without an acknowledgement: workers keep
		// dying on it.
		w.deadLetter(ctx, msg, b, attempt, fmt.Sprintf("delivered %d times without an acknowledgement", attempt-1))
		return
	}
	if b.Model != "" && b.Model != w.o.Model.Digest() {
		log.Warn("batch is for another model: leaving it to a worker that has it", "want", b.Model, "have", w.o.Model.Digest())
		_ = msg.NakWithDelay(10 * time.Second)
		return
	}
	running := fmt.Sprintf("%s.running.%d", b.Job, b.Seq)
	_ = w.q.put(ctx, running, BatchRecord{Worker: w.o.Name, Attempt: attempt, At: w.o.Now()})

	// Tell JetStream the batch is alive while it runs.
	hbCtx, stopHB := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(w.q.set.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	res, err := w.process(ctx, b)
	stopHB()
	<-hbDone
	if err != nil {
		if ctx.Err() != nil {
			_ = msg.Nak() // stopping: let another worker have it now
			return
		}
		log.Warn("batch failed", "err", err)
		if attempt >= w.q.set.Attempts {
			w.deadLetter(ctx, msg, b, attempt, err.Error())
			return
		}
		_ = msg.NakWithDelay(time.Duration(attempt) * time.Second)
		return
	}
	// The vectors are durable in the sink; record the batch, then ack.
	if err := w.q.put(ctx, fmt.Sprintf("%s.done.%d", b.Job, b.Seq), BatchRecord{Worker: w.o.Name, Attempt: attempt, At: w.o.Now(), Result: &res}); err != nil {
		log.Warn("record batch done", "err", err)
		_ = msg.Nak()
		return
	}
	_ = w.q.kv.Delete(ctx, running)
	if err := msg.DoubleAck(ctx); err != nil {
		log.Warn("acknowledge batch (it will be redone, harmlessly)", "err", err)
		return
	}
	w.mu.Lock()
	w.batches++
	w.mu.Unlock()
	for _, f := range res.Failures {
		log.Warn("image skipped", "image", f.ID, "err", f.Error)
	}
	if w.o.OnBatch != nil {
		w.o.OnBatch(b, res)
	}
}

func (w *Worker) process(ctx context.Context, b Batch) (embed.BatchResult, error) {
	ew, ok := w.w[b.Source]
	if !ok {
		src, err := w.o.Open(ctx, b.Source)
		if err != nil {
			return embed.BatchResult{}, fmt.Errorf("open source %s: %w", b.Source, err)
		}
		ew = embed.NewWorker(src, w.o.Model, w.o.Sink, w.o.Now)
		w.w[b.Source] = ew
	}
	return ew.Process(ctx, b.IDs)
}

// deadLetter publishes the batch to the dead-letter subject, records it as
// failed and terminates the message.
func (w *Worker) deadLetter(ctx context.Context, msg jetstream.Msg, b Batch, attempt int, reason string) {
	w.o.Logger.Error("batch dead-lettered", "job", b.Job, "batch", b.Seq, "attempts", attempt, "reason", reason)
	dead := nats.NewMsg(w.q.names.Subject + ".dead." + b.Job)
	dead.Data = msg.Data()
	dead.Header.Set("Tend-Reason", reason)
	dead.Header.Set("Tend-Attempts", strconv.Itoa(attempt))
	dead.Header.Set("Tend-Worker", w.o.Name)
	if _, err := w.q.js.PublishMsg(ctx, dead, jetstream.WithMsgID(fmt.Sprintf("%s.%d.dead", b.Job, b.Seq))); err != nil {
		w.o.Logger.Error("publish dead letter (the batch stays queued)", "err", err)
		_ = msg.Nak()
		return
	}
	_ = w.q.put(ctx, fmt.Sprintf("%s.failed.%d", b.Job, b.Seq), BatchRecord{Worker: w.o.Name, Attempt: attempt, At: w.o.Now(), Error: reason})
	_ = w.q.kv.Delete(ctx, fmt.Sprintf("%s.running.%d", b.Job, b.Seq))
	_ = msg.TermWithReason(reason)
}
