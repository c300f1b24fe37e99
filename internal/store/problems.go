package store

import (
	"context"
	"time"
)

// ProblemRecord is a problem as tend keeps it: one per (source, external
// id), whatever the number of deliveries. Body is the latest normalised
// problem as JSON (the problem package's shape; store does not interpret it).
type ProblemRecord struct {
	ID          string
	Source      string
	ExternalID  string
	Title       string
	State       string
	EventType   string
	Body        []byte
	Occurrences int
	FirstSeen   time.Time
	LastSeen    time.Time
}

// Occurrence is one distinct delivery of a problem. Deliveries whose
// normalised content is identical share a digest and are one occurrence.
type Occurrence struct {
	ID         string
	ProblemID  string
	Digest     string
	State      string
	EventType  string
	Body       []byte
	ReceivedAt time.Time
}

// RecordResult says what Record did.
type RecordResult struct {
	ProblemID    string
	OccurrenceID string
	// Duplicate is true when an occurrence with the same digest existed:
	// nothing was created and RunIDs are the runs it started back then.
	Duplicate bool
	RunIDs    []string
}

// ProblemFilter narrows List.
type ProblemFilter struct {
	Source string
	Limit  int // 0 means 100
}

// Comment is a comment tend keeps on a problem for sources that have no
// comment API of their own (tend's API, insights, Alertmanager).
type Comment struct {
	ID         string
	Source     string
	ExternalID string
	Author     string
	Content    string
	CreatedAt  time.Time
}

// Problems stores problems, their occurrences and tend-kept comments.
type Problems interface {
	// Record stores one delivery durably. rec identifies the problem by
	// (Source, ExternalID) and carries its latest content; occ is the
	// delivery (ProblemID is filled in). If an occurrence of that problem
	// with occ.Digest exists, nothing changes and the result is Duplicate.
	// Otherwise the problem is created or updated, the occurrence added,
	// and runs (their ProblemID and OccurrenceID filled in) created, all in
	// one transaction.
	Record(ctx context.Context, rec ProblemRecord, occ Occurrence, runs []Run) (RecordResult, error)
	// Get returns a problem by tend id; ErrNotFound if none.
	Get(ctx context.Context, id string) (ProblemRecord, error)
	// Find returns a problem by source and external id; ErrNotFound if none.
	Find(ctx context.Context, source, externalID string) (ProblemRecord, error)
	// List returns problems, most recently seen first.
	List(ctx context.Context, f ProblemFilter) ([]ProblemRecord, error)
	// Occurrences lists a problem's occurrences, oldest first.
	Occurrences(ctx context.Context, problemID string) ([]Occurrence, error)
	// AddComment stores a comment.
	AddComment(ctx context.Context, c Comment) error
	// Comments lists the comments on a problem, newest first.
	Comments(ctx context.Context, source, externalID string) ([]Comment, error)
}
