package store

import (
	"context"
	"time"
)

// Notification is one message in tend's outbox: written in the same
// transaction as the insight or run change that causes it (set it in the
// Notify field of the Insight, Anomaly or Run being written), then fanned
// out to the channels whose filters accept it and delivered at least once.
// Body is the message as JSON (package notify/message's shape; the store
// does not interpret it); the other fields are what channel filters and
// grouping look at.
type Notification struct {
	// ID is stable: receivers dedupe on it. Storing an ID twice keeps the
	// first (a retried write does not duplicate its messages).
	ID string
	// Type is the message type: NEW_INSIGHT, CLOSED_INSIGHT, … RUN_ACTED.
	Type string
	// Subject is what the message is about (an insight or run id):
	// messages of one subject are delivered in order and grouped.
	Subject      string
	Severity     string
	ProblemType  string
	BoundaryKind string
	BoundaryName string
	Body         []byte
	CreatedAt    time.Time
	// Seq orders messages; assigned by the store.
	Seq int64
}

// Delivery states.
const (
	DeliveryPending = "pending" // due at NextAt, or leased to a sender
	DeliverySent    = "sent"    // the channel accepted it
	DeliveryDead    = "dead"    // gave up: visible, retryable by hand
)

// Route sends a message to one channel: its first attempt is due Delay
// after the message was written (the channel's group wait).
type Route struct {
	Channel string
	Delay   time.Duration
}

// Delivery is one message on its way to one channel.
type Delivery struct {
	ID        int64
	Channel   string
	Message   Notification
	State     string
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
	SentAt    time.Time
}

// DeliveryBatch is what one send carries: the pending messages of one
// subject for one channel, in order — or, when the channel's rate limit
// holds messages back, every due message of several subjects (Summary).
type DeliveryBatch struct {
	Channel    string
	Summary    bool
	Deliveries []Delivery
}

// ClaimRequest asks for due batches, leased to Owner until Until.
type ClaimRequest struct {
	Owner string
	Now   time.Time
	Until time.Time
	// MaxBatches bounds the batches per channel; MaxMessages the messages
	// in one batch.
	MaxBatches  int
	MaxMessages int
}

// DeliveryUpdate is the outcome of sending a batch, for Complete: every
// delivery in IDs moves to State (sent, pending again at NextAt, or dead),
// with Error recorded; Attempted counts an attempt.
type DeliveryUpdate struct {
	Channel   string
	IDs       []int64
	State     string
	NextAt    time.Time
	Error     string
	At        time.Time
	Attempted bool
}

// DeliveryFilter selects deliveries for listing.
type DeliveryFilter struct {
	Channel string
	State   string
	Limit   int // 0 means 100
}

// OutboxStats is the queue as metrics and the page show it.
type OutboxStats struct {
	// Undispatched counts messages not yet fanned out to channels, and
	// OldestUndispatched is when the oldest of them was written.
	Undispatched       int
	OldestUndispatched time.Time
	// Channels holds, per channel, the pending and dead deliveries and
	// when the oldest pending message was written.
	Channels map[string]ChannelQueue
}

// ChannelQueue is one channel's part of OutboxStats.
type ChannelQueue struct {
	Pending       int
	Dead          int
	OldestPending time.Time
}

// Outbox stores notifications and their deliveries.
type Outbox interface {
	// Enqueue stores messages on their own (tend channels test); messages
	// caused by a change are written with it instead (Notify fields).
	Enqueue(ctx context.Context, msgs ...Notification) error
	// FanOut takes up to n messages not yet fanned out, oldest first, and
	// creates a pending delivery for every route returns, in one
	// transaction. route may be called again if the transaction is
	// retried. It returns how many messages it took.
	FanOut(ctx context.Context, n int, route func(Notification) []Route) (int, error)
	// Claim leases due batches. A subject is due when its oldest pending
	// delivery is due and not leased, so that a subject's messages go out
	// in order and one sender at a time, across processes. A channel with
	// a rate limit gets at most its remaining budget of batches in the
	// window; when more subjects are due than that, the last batch is a
	// Summary holding all the rest.
	Claim(ctx context.Context, r ClaimRequest) ([]DeliveryBatch, error)
	// Complete records batch outcomes; deliveries no longer leased to
	// owner are left alone (another process took them over).
	Complete(ctx context.Context, owner string, updates ...DeliveryUpdate) error
	// Deliveries lists deliveries, newest first.
	Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// Retry makes dead deliveries of a channel pending again, due at now
	// with their attempts reset: those in ids, or all when ids is empty.
	// It returns how many it revived.
	Retry(ctx context.Context, channel string, now time.Time, ids ...int64) (int, error)
	// Stats returns the queue's depth and age.
	Stats(ctx context.Context) (OutboxStats, error)
	// Prune deletes sent deliveries and fanned-out messages with no
	// pending or dead delivery, written before before.
	Prune(ctx context.Context, before time.Time) (int, error)
}

// Channel sources.
const (
	ChannelFromConfig = "config" // defined in the configuration file
	ChannelFromAPI    = "api"    // added through the API or the CLI
)

// Channel is a notification channel as stored: its spec (notify's JSON),
// where it came from, its limits, and how its last deliveries went.
type Channel struct {
	Name   string
	Type   string
	Spec   []byte
	Source string
	// RateLimit caps the sends per RateWindow (0: no limit).
	RateLimit   int
	RateWindow  time.Duration
	CreatedAt   time.Time
	UpdatedAt   time.Time
	LastSentAt  time.Time
	LastError   string
	LastErrorAt time.Time
}

// Channels stores notification channels.
type Channels interface {
	// Put creates a channel or replaces its spec, source and limits
	// (keeping its delivery history).
	Put(ctx context.Context, c Channel) error
	// Get returns a channel; ErrNotFound if none.
	Get(ctx context.Context, name string) (Channel, error)
	// List returns every channel by name.
	List(ctx context.Context) ([]Channel, error)
	// Delete removes a channel and its pending deliveries; ErrNotFound if
	// none.
	Delete(ctx context.Context, name string) error
}
