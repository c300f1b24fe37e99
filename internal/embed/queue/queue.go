// Package queue runs tend embed on many machines through NATS JetStream.
//
// Submit lists a source and publishes one message per batch to a
// work-queue stream; any number of Workers pull them one at a time with
// explicit acknowledgements. A worker writes the batch's vectors to its
// sink (upserts keyed by image id and model digest), records the batch as
// done in a key-value bucket, and only then acknowledges the message; a
// worker that dies before that leaves the message unacknowledged, and
// JetStream hands it to another worker after AckWait. While a batch runs
// its worker sends "in progress" every AckWait/3, so a slow batch is not
// redelivered. A batch that fails Attempts times (or is delivered more
// often than that without an acknowledgement: workers dying on it) goes to
// the dead-letter subject and is recorded as failed. Status counts the
// bucket's records: batches done, in flight, failed and still queued.
//
// JetStream objects (names from Names):
//
//	stream   TEND_EMBED        subjects tend.embed.batch.>  work queue, file
//	stream   TEND_EMBED_DEAD   subjects tend.embed.dead.>   limits, file
//	consumer tend-embed-workers  durable pull, explicit ack, AckWait, MaxDeliver Attempts+1
//	bucket   tend_embed_jobs   JOB (the job), JOB.running.N, JOB.done.N, JOB.failed.N
package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tendhq/tend/internal/embed"
)

// Names are the JetStream objects tend embed uses. Tests give theirs a
// prefix so they run beside each other and beside a real deployment.
type Names struct {
	Stream, DeadStream, Consumer, Bucket string
	Subject                              string // prefix: Subject.batch.JOB.N, Subject.dead.JOB
}

// DefaultNames are the production names.
var DefaultNames = NewNames("")

// NewNames returns the names with an optional prefix.
func NewNames(prefix string) Names {
	n := Names{Stream: "TEND_EMBED", DeadStream: "TEND_EMBED_DEAD", Consumer: "tend-embed-workers", Bucket: "tend_embed_jobs", Subject: "tend.embed"}
	if prefix != "" {
		n.Stream = strings.ToUpper(prefix) + "_" + n.Stream
		n.DeadStream = strings.ToUpper(prefix) + "_" + n.DeadStream
		n.Consumer = prefix + "-" + n.Consumer
		n.Bucket = prefix + "_" + n.Bucket
		n.Subject = prefix + "." + n.Subject
	}
	return n
}

// Settings are the delivery rules shared by submitters and workers.
type Settings struct {
	// AckWait is how long JetStream waits for a worker's acknowledgement
	// (or in-progress signal) before redelivering; longer than a batch.
	AckWait time.Duration
	// Attempts is how many times a batch is tried before it is dead-lettered.
	Attempts int
}

// DefaultSettings: a five-minute AckWait (a batch of 64 ResNet18 images
// takes ~10 s on one core), five attempts.
var DefaultSettings = Settings{AckWait: 5 * time.Minute, Attempts: 5}

// Batch is the message for one batch.
type Batch struct {
	Job    string   `json:"job"`
	Seq    int      `json:"seq"`
	Source string   `json:"source"`
	Model  string   `json:"model"` // digest the job was submitted for
	IDs    []string `json:"ids"`
}

// JobInfo is a submitted job.
type JobInfo struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"`
	Model       string    `json:"model"`
	Batches     int       `json:"batches"`
	Images      int       `json:"images"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// BatchRecord is what the bucket holds for a batch that ran.
type BatchRecord struct {
	Worker  string             `json:"worker"`
	Attempt int                `json:"attempt"`
	At      time.Time          `json:"at"`
	Result  *embed.BatchResult `json:"result,omitempty"`
	Error   string             `json:"error,omitempty"`
}

// Queue is a connection to the JetStream objects.
type Queue struct {
	js    jetstream.JetStream
	names Names
	set   Settings
	kv    jetstream.KeyValue
	cons  jetstream.Consumer
}

// Open creates the streams, the consumer and the bucket if they do not
// exist (updating the consumer's AckWait and MaxDeliver if they differ)
// and returns the queue.
func Open(ctx context.Context, js jetstream.JetStream, names Names, set Settings) (*Queue, error) {
	if set.AckWait <= 0 || set.Attempts <= 0 {
		return nil, fmt.Errorf("embed queue: AckWait (%s) and Attempts (%d) must be positive", set.AckWait, set.Attempts)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: names.Stream, Subjects: []string{names.Subject + ".batch.>"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, Duplicates: 10 * time.Minute,
		Description: "tend embed: one message per batch of images",
	}); err != nil {
		return nil, fmt.Errorf("create stream %s: %w", names.Stream, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: names.DeadStream, Subjects: []string{names.Subject + ".dead.>"},
		Storage: jetstream.FileStorage, MaxAge: 30 * 24 * time.Hour,
		Description: "tend embed: batches that failed every attempt",
	}); err != nil {
		return nil, fmt.Errorf("create stream %s: %w", names.DeadStream, err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, names.Stream, jetstream.ConsumerConfig{
		Durable: names.Consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: set.AckWait,
		MaxDeliver: set.Attempts + 1, FilterSubject: names.Subject + ".batch.>",
		Description: "tend embed workers",
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", names.Consumer, err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: names.Bucket, Storage: jetstream.FileStorage,
		Description: "tend embed: jobs and the state of their batches"})
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", names.Bucket, err)
	}
	return &Queue{js: js, names: names, set: set, kv: kv, cons: cons}, nil
}

// NewJobID returns a fresh job id: the UTC time and random hex.
func NewJobID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "j" + now.UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b[:])
}

// Submit lists the source and publishes its batches as job id. Each
// message carries a Nats-Msg-Id, so a submit repeated within ten minutes
// publishes nothing twice.
func (q *Queue) Submit(ctx context.Context, id string, src embed.Source, model string, batch int, now time.Time) (JobInfo, error) {
	if batch <= 0 {
		return JobInfo{}, fmt.Errorf("submit: batch must be positive, is %d", batch)
	}
	ids, err := embed.List(ctx, src)
	if err != nil {
		return JobInfo{}, err
	}
	batches := embed.Batches(ids, batch)
	job := JobInfo{ID: id, Source: src.URI(), Model: model, Batches: len(batches), Images: len(ids), SubmittedAt: now}
	raw, _ := json.Marshal(job)
	if _, err := q.kv.Put(ctx, id, raw); err != nil {
		return job, fmt.Errorf("record job %s: %w", id, err)
	}
	for i, b := range batches {
		msg, _ := json.Marshal(Batch{Job: id, Seq: i, Source: job.Source, Model: model, IDs: b})
		subj := fmt.Sprintf("%s.batch.%s.%d", q.names.Subject, id, i)
		if _, err := q.js.Publish(ctx, subj, msg, jetstream.WithMsgID(id+"."+strconv.Itoa(i))); err != nil {
			return job, fmt.Errorf("publish batch %d of job %s: %w", i, id, err)
		}
	}
	return job, nil
}

// Status is where a job stands.
type Status struct {
	Job      JobInfo `json:"job"`
	Done     int     `json:"done"`
	InFlight int     `json:"in_flight"`
	Failed   int     `json:"failed"`
	Queued   int     `json:"queued"`
	// Images of the done batches.
	Embedded      int `json:"embedded"`
	Skipped       int `json:"skipped"`
	ImageFailures int `json:"image_failures"`
	// Redelivered counts done batches that needed more than one delivery
	// (a worker died or failed on them first).
	Redelivered int `json:"redelivered"`
}

// Complete reports whether every batch is done or failed.
func (s Status) Complete() bool { return s.Done+s.Failed == s.Job.Batches }

// ErrNoJob: no job has the id.
var ErrNoJob = errors.New("no such job")

// Status reads a job's records.
func (q *Queue) Status(ctx context.Context, id string) (Status, error) {
	e, err := q.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Status{}, fmt.Errorf("job %q: %w", id, ErrNoJob)
	}
	if err != nil {
		return Status{}, fmt.Errorf("read job %s: %w", id, err)
	}
	var st Status
	if err := json.Unmarshal(e.Value(), &st.Job); err != nil {
		return Status{}, fmt.Errorf("read job %s: %w", id, err)
	}
	states := map[string]map[int]BatchRecord{}
	lister, err := q.kv.ListKeysFiltered(ctx, id+".>")
	if err != nil {
		return st, fmt.Errorf("read job %s: %w", id, err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		parts := strings.Split(k, ".")
		if len(parts) != 3 {
			continue
		}
		seq, err := strconv.Atoi(parts[2])
		if err != nil {
			continue
		}
		e, err := q.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return st, fmt.Errorf("read job %s: %w", id, err)
		}
		var r BatchRecord
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return st, fmt.Errorf("read %s: %w", k, err)
		}
		if states[parts[1]] == nil {
			states[parts[1]] = map[int]BatchRecord{}
		}
		states[parts[1]][seq] = r
	}
	for seq, r := range states["done"] {
		st.Done++
		if r.Attempt > 1 {
			st.Redelivered++
		}
		if r.Result != nil {
			st.Embedded += r.Result.Embedded
			st.Skipped += r.Result.Skipped
			st.ImageFailures += len(r.Result.Failures)
		}
		delete(states["running"], seq)
	}
	for seq := range states["failed"] {
		if _, done := states["done"][seq]; !done {
			st.Failed++
		}
		delete(states["running"], seq)
	}
	st.InFlight = len(states["running"])
	st.Queued = max(0, st.Job.Batches-st.Done-st.Failed-st.InFlight)
	return st, nil
}

// DeadLetters returns the number of dead-lettered messages of a job.
func (q *Queue) DeadLetters(ctx context.Context, id string) (int, error) {
	s, err := q.js.Stream(ctx, q.names.DeadStream)
	if err != nil {
		return 0, fmt.Errorf("read stream %s: %w", q.names.DeadStream, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(q.names.Subject+".dead."+id))
	if err != nil {
		return 0, fmt.Errorf("read stream %s: %w", q.names.DeadStream, err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n, nil
}

func (q *Queue) put(ctx context.Context, key string, r BatchRecord) error {
	raw, _ := json.Marshal(r)
	if _, err := q.kv.Put(ctx, key, raw); err != nil {
		return fmt.Errorf("record %s: %w", key, err)
	}
	return nil
}

// Running is a batch a worker has started.
type Running struct {
	Seq int
	BatchRecord
}

// WatchRunning reports batches of the job as workers start them, until ctx
// ends. It is for tests and tools that follow a job.
func (q *Queue) WatchRunning(ctx context.Context, id string) (<-chan Running, error) {
	w, err := q.kv.Watch(ctx, id+".running.*", jetstream.UpdatesOnly())
	if err != nil {
		return nil, fmt.Errorf("watch job %s: %w", id, err)
	}
	out := make(chan Running, 64)
	go func() {
		defer close(out)
		defer func() { _ = w.Stop() }()
		for e := range w.Updates() {
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			seq, err := strconv.Atoi(e.Key()[strings.LastIndexByte(e.Key(), '.')+1:])
			if err != nil {
				continue
			}
			var r BatchRecord
			if json.Unmarshal(e.Value(), &r) != nil {
				continue
			}
			select {
			case out <- Running{Seq: seq, BatchRecord: r}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
