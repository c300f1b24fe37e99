package detect

import (
	"math"
	"sync"
)

// NewContinuous returns the named detector set up for watching a series in
// tend serve rather than for NAB's scoring: the default ensemble without its
// refractory period, so a sustained anomaly keeps scoring for as long as it
// lasts and an early false alarm cannot hide the real event that follows.
// NAB counts only the first detection in a window and charges every alert,
// which is what the refractory period is for; in tend the insight stage
// turns a run of anomalous scores into one anomaly instead (it opens,
// stays open while the values are outside their old band, and closes when
// they are back). Other detectors are returned as New returns them.
func NewContinuous(name string) (Detector, error) {
	if name != "" && name != DefaultName {
		return New(name)
	}
	cfg := DefaultConfig()
	cfg.Refractory, cfg.RefractoryFrac = 0, 0
	return NewEnsemble(cfg)
}

// ContinuousFactory returns a function that makes detectors as
// NewContinuous(name) does, for tend serve's one detector per series. The
// default ensemble's detectors share one configuration and are carved
// from blocks of ensembleBlock, so each takes its own size (3,744 bytes)
// rather than the allocator's next size class (4,096): about 350 bytes a
// series less. A block is freed when none of its detectors is in use any
// more. The returned function is safe for concurrent use.
func ContinuousFactory(name string) (func() Detector, error) {
	if name != "" && name != DefaultName {
		if _, err := New(name); err != nil {
			return nil, err
		}
		return func() Detector { d, _ := New(name); return d }, nil
	}
	cfg := DefaultConfig()
	cfg.Refractory, cfg.RefractoryFrac = 0, 0
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var block []Ensemble
	return func() Detector {
		mu.Lock()
		defer mu.Unlock()
		if len(block) == 0 {
			block = make([]Ensemble, ensembleBlock)
		}
		e := &block[0]
		block = block[1:]
		e.cfg = &cfg
		e.st.SinceAlert = math.MaxInt32
		return e
	}, nil
}

// ensembleBlock is how many detectors ContinuousFactory allocates at once.
const ensembleBlock = 35 // 35 × 3,744 bytes fill 16 pages of 8 KiB
