package detect

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
