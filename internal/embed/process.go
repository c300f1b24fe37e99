package embed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrMissing is wrapped by a Source's Read error for an image that is no
// longer there (deleted after it was listed): reported, not retried.
var ErrMissing = errors.New("image not found")

// Worker embeds batches of images with one model runner. It is not safe
// for concurrent use: run one Worker per goroutine.
type Worker struct {
	src    Source
	model  Model
	sink   Sink
	runner Runner
	now    func() time.Time
	buf    []float32
}

// NewWorker returns a worker that reads from src, embeds with m and writes
// to sink. now is the clock (time.Now when nil).
func NewWorker(src Source, m Model, sink Sink, now func() time.Time) *Worker {
	if now == nil {
		now = time.Now
	}
	return &Worker{src: src, model: m, sink: sink, runner: m.NewRunner(), now: now}
}

// BatchResult is what one batch came to.
type BatchResult struct {
	Embedded int       `json:"embedded"`
	Skipped  int       `json:"skipped"` // already in the sink with the same checksum
	Failures []Failure `json:"failures,omitempty"`
}

// runChunk is how many prepared images go through the model at once:
// about a megabyte of input, so large models run one image at a time and
// small ones in wide batches.
func runChunk(perImage int) int { return min(256, max(1, (1<<18)/perImage)) }

// Process embeds the images ids: images that do not decode, or are gone,
// are reported in the result and skipped; an error (the source or sink
// failing, the context ending) means the batch should be retried whole.
// When it returns nil, every embedded vector is durable in the sink.
func (w *Worker) Process(ctx context.Context, ids []string) (BatchResult, error) {
	vs, res, err := w.Embed(ctx, ids)
	if err != nil {
		return res, err
	}
	if len(vs) > 0 {
		if err := w.sink.Put(ctx, vs); err != nil {
			return res, fmt.Errorf("store %d vectors: %w", len(vs), err)
		}
	}
	return res, nil
}

// Embed is Process without the write: it returns the vectors for the
// caller to put in the sink.
func (w *Worker) Embed(ctx context.Context, ids []string) ([]Vector, BatchResult, error) {
	var res BatchResult
	type img struct {
		id, sum string
		data    []byte
	}
	imgs := make([]img, 0, len(ids))
	for _, id := range ids {
		data, err := w.src.Read(ctx, id)
		if errors.Is(err, ErrMissing) {
			res.Failures = append(res.Failures, Failure{ID: id, Error: err.Error()})
			continue
		}
		if err != nil {
			return nil, res, fmt.Errorf("read %s: %w", id, err)
		}
		s := sha256.Sum256(data)
		imgs = append(imgs, img{id: id, sum: hex.EncodeToString(s[:]), data: data})
	}
	digest := w.model.Digest()
	if r, ok := w.sink.(Resumer); ok && len(imgs) > 0 {
		want := make([]string, len(imgs))
		for i, im := range imgs {
			want[i] = im.id
		}
		known, err := r.Known(ctx, digest, want)
		if err != nil {
			return nil, res, fmt.Errorf("look up embedded images: %w", err)
		}
		kept := imgs[:0]
		for _, im := range imgs {
			if known[im.id] == im.sum {
				res.Skipped++
				continue
			}
			kept = append(kept, im)
		}
		imgs = kept
	}
	spec := w.model.Spec()
	per := spec.Len()
	chunk := runChunk(per)
	if cap(w.buf) < chunk*per {
		w.buf = make([]float32, chunk*per)
	}
	now := w.now()
	vs := make([]Vector, 0, len(imgs))
	for i := 0; i < len(imgs); {
		n := 0
		batch := make([]img, 0, chunk)
		for ; i < len(imgs) && n < chunk; i++ {
			im := imgs[i]
			if err := spec.Apply(im.data, w.buf[n*per:(n+1)*per]); err != nil {
				res.Failures = append(res.Failures, Failure{ID: im.id, Error: err.Error()})
				continue
			}
			batch = append(batch, im)
			n++
		}
		if n == 0 {
			continue
		}
		out, err := w.runner.Run(ctx, w.buf[:n*per], n)
		if err != nil {
			return nil, res, fmt.Errorf("embed: %w", err)
		}
		dim := w.model.Dim()
		for j, im := range batch {
			vs = append(vs, Vector{ImageID: im.id, Model: digest, Checksum: im.sum, Source: w.src.URI(),
				Values: out[j*dim : (j+1)*dim : (j+1)*dim], CreatedAt: now})
		}
	}
	res.Embedded = len(vs)
	return vs, res, nil
}

// Job is an in-process embedding job.
type Job struct {
	Source Source
	Model  Model
	Sink   Sink
	// Batch is the number of images per batch (default 64); Workers the
	// number of goroutines, each with its own runner (default 1).
	Batch, Workers int
	// Progress, if set, is called after each batch with the images done
	// (embedded, skipped or failed) and the total.
	Progress func(done, total int)
	Logger   *slog.Logger
	Now      func() time.Time
}

// Report sums up a job.
type Report struct {
	Images   int           `json:"images"`
	Embedded int           `json:"embedded"`
	Skipped  int           `json:"skipped"`
	Failures []Failure     `json:"failures,omitempty"`
	Elapsed  time.Duration `json:"elapsed"`
}

// List returns every image of a source.
func List(ctx context.Context, src Source) ([]string, error) {
	var ids []string
	err := src.List(ctx, func(it Item) error {
		ids = append(ids, it.ID)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", src.URI(), err)
	}
	return ids, nil
}

// Batches splits ids into batches of n.
func Batches(ids []string, n int) [][]string {
	var out [][]string
	for i := 0; i < len(ids); i += n {
		out = append(out, ids[i:min(i+n, len(ids))])
	}
	return out
}

// Run lists the source and embeds every image with a pool of workers. It
// stops at the first batch that fails as a whole (the source or the sink
// failing); images already done stay done, and a rerun skips them when the
// sink is a Resumer.
func Run(ctx context.Context, j Job) (Report, error) {
	start := time.Now()
	if j.Batch <= 0 {
		j.Batch = 64
	}
	if j.Workers <= 0 {
		j.Workers = 1
	}
	if j.Logger == nil {
		j.Logger = slog.New(slog.DiscardHandler)
	}
	ids, err := List(ctx, j.Source)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Images: len(ids)}
	batches := Batches(ids, j.Batch)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Workers embed; one writer puts their vectors in the sink, so the
	// sink's commits overlap with the next batches' inference.
	type written struct {
		vs  []Vector
		res BatchResult
		n   int
	}
	work := make(chan []string)
	writes := make(chan written, j.Workers)
	var writer sync.WaitGroup
	done := 0
	writer.Go(func() {
		for wr := range writes {
			if ctx.Err() != nil {
				continue
			}
			if len(wr.vs) > 0 {
				if err := j.Sink.Put(ctx, wr.vs); err != nil {
					cancel(fmt.Errorf("store %d vectors: %w", len(wr.vs), err))
					continue
				}
			}
			rep.Embedded += wr.res.Embedded
			rep.Skipped += wr.res.Skipped
			rep.Failures = append(rep.Failures, wr.res.Failures...)
			done += wr.n
			for _, f := range wr.res.Failures {
				j.Logger.Warn("image skipped", "image", f.ID, "err", f.Error)
			}
			if j.Progress != nil {
				j.Progress(done, len(ids))
			}
		}
	})
	var wg sync.WaitGroup
	for range min(j.Workers, max(1, len(batches))) {
		w := NewWorker(j.Source, j.Model, j.Sink, j.Now)
		wg.Go(func() {
			for b := range work {
				vs, res, err := w.Embed(ctx, b)
				if err != nil {
					cancel(err)
					return
				}
				writes <- written{vs: vs, res: res, n: len(b)}
			}
		})
	}
feed:
	for _, b := range batches {
		select {
		case work <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(writes)
	writer.Wait()
	rep.Elapsed = time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return rep, err
	}
	return rep, nil
}
