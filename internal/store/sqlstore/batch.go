package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/tendhq/tend/internal/store"
)

// writeBatcher commits concurrent writes together (group commit). SQLite
// has one writer at a time and every commit waits for fsync; when several
// goroutines write at once, the first becomes the leader, runs its write
// and every write queued meanwhile in one transaction, commits once,
// repeats while writes are waiting (a few rounds at most), then hands
// leadership to the next waiting writer. Each caller
// returns only after the commit that holds its write, so durability is
// unchanged; only the number of fsyncs drops. No goroutine is started.
type writeBatcher struct {
	mu      sync.Mutex
	pending []*writeItem
	leading bool
}

type writeItem struct {
	fn       func(tx *sql.Tx) error
	unsynced bool // store.Unsynced
	done     chan error
	lead     chan struct{}
}

// maxBatch bounds one transaction; leadRounds the batches one leader commits.
const (
	maxBatch   = 128
	leadRounds = 8
)

// write runs fn in a transaction: on SQLite batched with concurrent writes,
// on PostgreSQL (which commits concurrently) in a transaction of its own.
func (s *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	unsynced := store.IsUnsynced(ctx)
	if s.dialect.Name() != "sqlite" {
		return s.tx(ctx, unsynced, fn)
	}
	it := &writeItem{fn: fn, unsynced: unsynced, done: make(chan error, 1), lead: make(chan struct{}, 1)}
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

// commitBatch runs the batch's writes in one transaction. If one of them
// fails, the transaction is rolled back and each write runs again in a
// transaction of its own, so that one write's error does not fail the
// others. Writes are closures over SQL only, safe to run again. The batch
// is synced unless every write in it is unsynced.
func (s *DB) commitBatch(batch []*writeItem) {
	ctx := context.Background()
	failed := -1
	unsynced := true
	for _, it := range batch {
		unsynced = unsynced && it.unsynced
	}
	err := s.tx(ctx, unsynced, func(tx *sql.Tx) error {
		for i, it := range batch {
			if err := it.fn(tx); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		for _, it := range batch {
			it.done <- nil
		}
	case len(batch) == 1 || failed < 0:
		// A single write's own error, or the commit itself failed.
		for _, it := range batch {
			if failed < 0 {
				it.done <- fmt.Errorf("commit batched write: %w", err)
			} else {
				it.done <- err
			}
		}
	default:
		for _, it := range batch {
			it.done <- s.tx(ctx, it.unsynced, it.fn)
		}
	}
}
