package embed

import (
	"context"
	"fmt"
	"math"
	"path"
	"strings"
	"sync"

	"github.com/tendhq/tend/internal/embed/gemm"
)

// MemorySink keeps vectors in memory, by image id (the last Put wins). It
// is for evaluations and tests.
type MemorySink struct {
	mu sync.Mutex
	m  map[string]Vector
}

var _ Sink = (*MemorySink)(nil)

// Put keeps the vectors.
func (s *MemorySink) Put(_ context.Context, vs []Vector) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]Vector{}
	}
	for _, v := range vs {
		s.m[v.ImageID] = v
	}
	return nil
}

// Vectors returns what was put, by image id.
func (s *MemorySink) Vectors() map[string]Vector {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Vector, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// Label is an image's class in a labelled tree: its first path element
// ("coat/00042.png" → "coat").
func Label(id string) string {
	if i := strings.IndexByte(id, '/'); i > 0 {
		return id[:i]
	}
	return path.Dir(id)
}

// EvalReport is a nearest-neighbour evaluation.
type EvalReport struct {
	Train, Test int
	Correct     int
	Accuracy    float64
}

// NearestNeighbour embeds two labelled sources with the model and returns
// the share of test images whose most cosine-similar training image has
// the same label (1-NN accuracy).
func NearestNeighbour(ctx context.Context, m Model, train, test Source, workers int, progress func(done, total int)) (EvalReport, error) {
	embedAll := func(src Source) ([]string, []float32, error) {
		var sink MemorySink
		rep, err := Run(ctx, Job{Source: src, Model: m, Sink: &sink, Batch: 256, Workers: workers, Progress: progress})
		if err != nil {
			return nil, nil, err
		}
		if len(rep.Failures) > 0 {
			return nil, nil, fmt.Errorf("%d images of %s did not embed, the first %s: %s", len(rep.Failures), src.URI(), rep.Failures[0].ID, rep.Failures[0].Error)
		}
		vs := sink.Vectors()
		ids := make([]string, 0, len(vs))
		data := make([]float32, 0, len(vs)*m.Dim())
		for id, v := range vs {
			ids = append(ids, id)
			n := float32(math.Sqrt(float64(gemm.Dot(v.Values, v.Values))))
			for _, x := range v.Values {
				if n > 0 {
					x /= n
				}
				data = append(data, x)
			}
		}
		return ids, data, nil
	}
	trIDs, tr, err := embedAll(train)
	if err != nil {
		return EvalReport{}, err
	}
	teIDs, te, err := embedAll(test)
	if err != nil {
		return EvalReport{}, err
	}
	if len(trIDs) == 0 || len(teIDs) == 0 {
		return EvalReport{}, fmt.Errorf("evaluate: %d training and %d test images: need both", len(trIDs), len(teIDs))
	}
	d := m.Dim()
	// Similarities in blocks: S = test_block · trainᵀ by the GEMM.
	trT := make([]float32, d*len(trIDs))
	for i := range trIDs {
		for j := 0; j < d; j++ {
			trT[j*len(trIDs)+i] = tr[i*d+j]
		}
	}
	const block = 240
	correct := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	blocks := make(chan int)
	for range max(1, workers) {
		wg.Go(func() {
			var s gemm.Scratch
			sim := make([]float32, block*len(trIDs))
			for b0 := range blocks {
				rows := min(block, len(teIDs)-b0)
				a := gemm.PackA(te[b0*d:], rows, d, d)
				clear(sim[:rows*len(trIDs)])
				a.MulAdd(trT, len(trIDs), len(trIDs), sim, len(trIDs), &s)
				hits := 0
				for r := 0; r < rows; r++ {
					row := sim[r*len(trIDs) : (r+1)*len(trIDs)]
					best := 0
					for j, v := range row {
						if v > row[best] {
							best = j
						}
					}
					if Label(trIDs[best]) == Label(teIDs[b0+r]) {
						hits++
					}
				}
				mu.Lock()
				correct += hits
				mu.Unlock()
			}
		})
	}
	for b0 := 0; b0 < len(teIDs); b0 += block {
		blocks <- b0
	}
	close(blocks)
	wg.Wait()
	return EvalReport{Train: len(trIDs), Test: len(teIDs), Correct: correct, Accuracy: float64(correct) / float64(len(teIDs))}, nil
}
