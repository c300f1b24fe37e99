package nab

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tendhq/tend/internal/detect"
)

// Factory makes a fresh detector for one file.
type Factory func() (detect.Detector, error)

// Named returns the Factory for a registered detector.
func Named(name string) Factory {
	return func() (detect.Detector, error) { return detect.New(name) }
}

// Run streams every file of c through its own fresh detector, with up to
// workers files at once (0 means GOMAXPROCS), and returns the scores.
// progress, if not nil, is called after each file with the number of rows
// done and the total; it may be called from several goroutines at once.
func (c *Corpus) Run(ctx context.Context, newDet Factory, workers int, progress func(done, total int)) (Scores, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	total := 0
	for _, f := range c.Files {
		total += f.Len()
	}
	out := make([][]float64, len(c.Files))
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		done     atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f := c.Files[i]
				d, err := newDet()
				if err != nil {
					fail(fmt.Errorf("new detector for %s: %w", f.Key, err))
					continue
				}
				sc := make([]float64, f.Len())
				for j := range sc {
					if j&4095 == 0 && ctx.Err() != nil {
						break
					}
					sc[j] = d.Observe(f.Times[j], f.Values[j]).Score
				}
				out[i] = sc
				n := done.Add(int64(f.Len()))
				if progress != nil {
					progress(int(n), total)
				}
			}
		}()
	}
feed:
	for i := range c.Files {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run detector: %w", err)
	}
	s := make(Scores, len(c.Files))
	for i, f := range c.Files {
		s[f.Key] = out[i]
	}
	return s, nil
}
