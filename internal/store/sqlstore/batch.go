package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// writeBatcher commits concurrent writes together (group commit). SQLite
// has one writer at a time and every commit waits for fsync; when several
// goroutines write at once, the first becomes the leader, runs its write
// and every write queued meanwhile in one transaction, each under its own
// savepoint (so one write's error rolls back only that write), commits
// once, repeats while writes are waiting (a few rounds at most), then hands
// leadership to the next waiting writer. Each caller
// returns only after the commit that holds its write, so durability is
// unchanged; only the number of fsyncs drops. No goroutine is started.
type writeBatcher struct {
	mu      sync.Mutex
	pending []*writeItem
	leading bool
}

type writeItem struct {
	fn   func(tx *sql.Tx) error
	done chan error
	lead chan struct{}
}

// maxBatch bounds one transaction; leadRounds the batches one leader commits.
const (
	maxBatch   = 128
	leadRounds = 8
)

// write runs fn in a transaction: on SQLite batched with concurrent writes,
// on PostgreSQL (which commits concurrently) in a transaction of its own.
func (s *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.dialect.Name() != "sqlite" {
		return s.Tx(ctx, fn)
	}
	it := &writeItem{fn: fn, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	b := &s.batch
	b.mu.Lock()
	b.pending = append(b.pending, it)
	if b.leading {
		b.mu.Unlock()
		select {
		case err := <-it.done:
			return err
		case <-it.lead:
			b.mu.Lock()
		}
	}
	// it is pending (a leader hands over to the first waiting write, and a
	// new leader's write is the only one), so the first batch holds it.
	// Lead: commit batches until none is waiting (at most leadRounds, so
	// that this caller is not held up for long), then hand over.
	b.leading = true
	for round := 0; ; round++ {
		n := min(len(b.pending), maxBatch)
		batch := append([]*writeItem(nil), b.pending[:n]...)
		b.pending = b.pending[n:]
		b.mu.Unlock()
		s.commitBatch(batch)
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.leading = false
			break
		}
		if round+1 >= leadRounds {
			b.pending[0].lead <- struct{}{} // leading stays true: hand over
			break
		}
	}
	b.mu.Unlock()
	return <-it.done
}

func (s *DB) commitBatch(batch []*writeItem) {
	ctx := context.Background()
	results := make([]error, len(batch))
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		for i, it := range batch {
			if len(batch) == 1 {
				results[i] = it.fn(tx)
				return results[i]
			}
			if _, err := s.execQ(ctx, tx, "SAVEPOINT w"); err != nil {
				return err
			}
			if results[i] = it.fn(tx); results[i] != nil {
				if _, err := s.execQ(ctx, tx, "ROLLBACK TO SAVEPOINT w"); err != nil {
					return err
				}
			}
			if _, err := s.execQ(ctx, tx, "RELEASE SAVEPOINT w"); err != nil {
				return err
			}
		}
		return nil
	})
	for i, it := range batch {
		switch {
		case results[i] != nil:
			it.done <- results[i]
		case err != nil:
			it.done <- fmt.Errorf("commit batched write: %w", err)
		default:
			it.done <- nil
		}
	}
}
