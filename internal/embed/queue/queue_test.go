package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/source"
)

// natsURL is the NATS server with JetStream these machines and CI run.
func natsURL() string {
	if u := os.Getenv("TEND_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// open connects to the real NATS server with names of the test's own,
// deleted afterwards.
func open(t *testing.T, set Settings) (*Queue, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(natsURL())
	if err != nil {
		t.Fatalf("connect to NATS at %s (JetStream must run there): %v", natsURL(), err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	names := NewNames("t" + hex.EncodeToString(b[:]))
	ctx := context.Background()
	q, err := Open(ctx, js, names, set)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = js.DeleteStream(context.Background(), names.Stream)
		_ = js.DeleteStream(context.Background(), names.DeadStream)
		_ = js.DeleteKeyValue(context.Background(), names.Bucket)
	})
	return q, js
}

func dirSource(t *testing.T) (embed.Source, OpenSource) {
	src, err := source.NewDir("../testdata/fashion")
	if err != nil {
		t.Fatal(err)
	}
	return src, func(ctx context.Context, uri string) (embed.Source, error) {
		if uri != src.URI() {
			return nil, errors.New("unknown source " + uri)
		}
		return src, nil
	}
}

func TestWorkersDrainAJob(t *testing.T) {
	q, _ := open(t, Settings{AckWait: 5 * time.Second, Attempts: 3})
	m, err := embed.LoadModel("../../../models/fashion-mnist/fashion-cnn.onnx")
	if err != nil {
		t.Fatal(err)
	}
	src, opener := dirSource(t)
	ctx := context.Background()
	job, err := q.Submit(ctx, NewJobID(time.Now()), src, m.Digest(), 3, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if job.Batches != 7 || job.Images != 20 {
		t.Fatalf("job %+v", job)
	}
	// Submitting the same job again publishes nothing new (Nats-Msg-Id).
	if _, err := q.Submit(ctx, job.ID, src, m.Digest(), 3, time.Now()); err != nil {
		t.Fatal(err)
	}
	st, err := q.Status(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Queued != 7 || st.Done != 0 {
		t.Fatalf("before workers: %+v", st)
	}
	var sink embed.MemorySink
	var wg sync.WaitGroup
	workers := make([]*Worker, 2)
	for i := range workers {
		workers[i] = q.NewWorker(WorkerOptions{Name: "w" + string(rune('0'+i)), Model: m, Sink: &sink, Open: opener, IdleExit: time.Second})
		wg.Go(func() {
			if err := workers[i].Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	st, err = q.Status(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Complete() || st.Done != 7 || st.InFlight != 0 || st.Failed != 0 || st.Embedded != 20 {
		t.Fatalf("after workers: %+v", st)
	}
	if n := len(sink.Vectors()); n != 20 {
		t.Fatalf("%d vectors, want 20", n)
	}
	if workers[0].Batches()+workers[1].Batches() != 7 {
		t.Fatalf("workers acknowledged %d and %d batches", workers[0].Batches(), workers[1].Batches())
	}
	if _, err := q.Status(ctx, "nope"); !errors.Is(err, ErrNoJob) {
		t.Errorf("unknown job: %v", err)
	}
}

// failingSink fails every Put.
type failingSink struct{}

func (failingSink) Put(context.Context, []embed.Vector) error { return errors.New("disk full") }

func TestFailingBatchIsDeadLettered(t *testing.T) {
	q, _ := open(t, Settings{AckWait: 5 * time.Second, Attempts: 2})
	m, err := embed.LoadModel("../../../models/fashion-mnist/fashion-cnn.onnx")
	if err != nil {
		t.Fatal(err)
	}
	src, opener := dirSource(t)
	ctx := context.Background()
	job, err := q.Submit(ctx, NewJobID(time.Now()), src, m.Digest(), 20, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w := q.NewWorker(WorkerOptions{Name: "w", Model: m, Sink: failingSink{}, Open: opener, IdleExit: 3 * time.Second})
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := q.Status(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 1 || st.Done != 0 || !st.Complete() {
		t.Fatalf("status %+v", st)
	}
	if n, err := q.DeadLetters(ctx, job.ID); err != nil || n != 1 {
		t.Fatalf("dead letters: %d %v", n, err)
	}
}

func TestOpenChecksSettings(t *testing.T) {
	if _, err := Open(context.Background(), nil, DefaultNames, Settings{}); err == nil {
		t.Fatal("zero settings accepted")
	}
}

// TestBatchThatKeepsKillingWorkersIsDeadLettered: a batch delivered more
// often than Attempts without an acknowledgement (here: pulled and
// abandoned, as by a worker that dies) goes to the dead-letter subject
// instead of circling forever.
func TestBatchThatKeepsKillingWorkersIsDeadLettered(t *testing.T) {
	q, _ := open(t, Settings{AckWait: time.Second, Attempts: 1})
	m, err := embed.LoadModel("../../../models/fashion-mnist/fashion-cnn.onnx")
	if err != nil {
		t.Fatal(err)
	}
	src, opener := dirSource(t)
	ctx := context.Background()
	job, err := q.Submit(ctx, NewJobID(time.Now()), src, m.Digest(), 20, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mb, err := q.cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for range mb.Messages() {
		got++ // abandoned: never acknowledged
	}
	if got != 1 {
		t.Fatalf("fetched %d messages", got)
	}
	var sink embed.MemorySink
	w := q.NewWorker(WorkerOptions{Name: "w", Model: m, Sink: &sink, Open: opener, IdleExit: 3 * time.Second})
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := q.Status(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 1 || st.Done != 0 || len(sink.Vectors()) != 0 {
		t.Fatalf("status %+v, %d vectors", st, len(sink.Vectors()))
	}
	if n, err := q.DeadLetters(ctx, job.ID); err != nil || n != 1 {
		t.Fatalf("dead letters: %d %v", n, err)
	}
}
