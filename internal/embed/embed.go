// Package embed turns images into vectors in batches: a Source lists and
// reads images (a directory, an S3 prefix), a Model turns them into
// vectors (tend's pure-Go ONNX runtime), and a Sink keeps the vectors
// (tend's store, DynamoDB). Run does a whole job in-process with a pool of
// workers; Process does one batch, which is also what a NATS worker
// (package embed/queue) does with each message it pulls.
//
// Every vector is keyed by (image id, model digest) and sinks upsert by
// that key, so a batch done twice — a worker killed before its
// acknowledgement, a rerun — leaves one row per image. A Sink that can say
// which images it already has, with which checksum (Known), makes a rerun
// skip them.
package embed

import (
	"context"
	"errors"
	"time"
)

// ErrBadImage is wrapped by a per-image failure that is the image's fault
// (it does not decode); such an image is reported and skipped.
var ErrBadImage = errors.New("bad image")

// Item is one listed image.
type Item struct {
	// ID is the image's identity: the path under the source's root for a
	// directory, the object key for S3.
	ID   string `json:"id"`
	Size int64  `json:"size,omitempty"`
}

// Source lists and reads images. Implementations are safe for concurrent
// Read calls.
type Source interface {
	// URI names the source: "file:///abs/dir" or "s3://bucket/prefix".
	URI() string
	// List calls fn with every image under the source, in a stable order,
	// stopping at fn's first error.
	List(ctx context.Context, fn func(Item) error) error
	// Read returns an image's bytes.
	Read(ctx context.Context, id string) ([]byte, error)
}

// Vector is one image's embedding.
type Vector struct {
	ImageID   string    `json:"image_id"`
	Model     string    `json:"model"`    // the model file's SHA-256
	Checksum  string    `json:"checksum"` // SHA-256 of the image's bytes
	Source    string    `json:"source,omitempty"`
	Values    []float32 `json:"vector"`
	CreatedAt time.Time `json:"created_at"`
}

// Sink keeps vectors.
type Sink interface {
	// Put stores the vectors, replacing any with the same (ImageID, Model).
	// When it returns nil they are durable.
	Put(ctx context.Context, vs []Vector) error
}

// Resumer is a Sink that knows what it already holds.
type Resumer interface {
	// Known returns the checksum stored for each of ids under the model;
	// ids it does not hold are absent.
	Known(ctx context.Context, model string, ids []string) (map[string]string, error)
}

// Failure is an image that could not be embedded, and why.
type Failure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}
