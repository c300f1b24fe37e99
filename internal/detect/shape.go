package detect

import "math"

const (
	shapeK      = 24 // prototypes a shape memory holds
	maxShapeLen = 16 // longest shape window
	// shapeForget decays prototype counts at every match, so prototypes not
	// matched for a long time are the first to be replaced.
	shapeForget = 0.999
)

// shapeMem is a graded pattern memory in the spirit of ART and KNN-CAD: it
// keeps up to shapeK prototypes of the last Len values (scaled to the range
// seen so far) and scores each new window by its mean absolute distance to
// the nearest prototype. A window within radius of a prototype refines it;
// one farther away becomes a new prototype (replacing the least used) and
// is reported as surprise distance/radius.
type shapeMem struct {
	Win   [maxShapeLen]float32
	Fill  int32
	Used  int32
	Last  int32 // prototype matched or made last
	Proto [shapeK][maxShapeLen]float32
	Cnt   [shapeK]float32
	Lo, W float64 // scaling origin and width
}

func (m *shapeMem) observe(v, lo, hi float64, n int, radius float64) float64 {
	rng := hi - lo
	if rng <= 0 {
		return 0
	}
	if m.W <= 0 || rng > rebuild*m.W {
		// (re)scale to the range seen so far and forget the old shapes
		m.W, m.Lo = rng, lo
		m.Used, m.Fill = 0, 0
	}
	copy(m.Win[1:n], m.Win[:n-1])
	m.Win[0] = float32((v - m.Lo) / m.W)
	if m.Fill < int32(n) {
		m.Fill++
		return 0
	}
	w := m.Win[:n]
	best, bd := -1, float32(math.MaxFloat32)
	if m.Last >= 0 && m.Last < m.Used {
		// the last match is usually the nearest again: start there so the
		// search below can stop early on most prototypes
		best, bd = int(m.Last), dist32(w, m.Proto[m.Last][:n], bd)
	}
	for k := range m.Proto[:m.Used] {
		if k == int(m.Last) {
			continue
		}
		if d := dist32(w, m.Proto[k][:n], bd); d < bd || (d == bd && k < best) {
			bd, best = d, k
		}
	}
	dist := float64(bd) / float64(n)
	if best >= 0 && dist <= radius {
		m.Last = int32(best)
		m.Cnt[best]++
		a := 1 / m.Cnt[best]
		p := m.Proto[best][:n]
		for i, x := range w {
			p[i] += a * (x - p[i])
		}
		for k := range m.Cnt[:m.Used] {
			m.Cnt[k] *= shapeForget
		}
		return 0
	}
	k := int(m.Used)
	if k < shapeK {
		m.Used++
	} else {
		k = 0
		for j := range m.Cnt {
			if m.Cnt[j] < m.Cnt[k] {
				k = j
			}
		}
	}
	copy(m.Proto[k][:n], w)
	m.Cnt[k] = 1
	m.Last = int32(k)
	if best < 0 {
		return 0
	}
	return dist / radius
}

// dist32 returns Σ|w−p|, or a partial sum above limit as soon as it
// exceeds limit.
func dist32(w, p []float32, limit float32) float32 {
	p = p[:len(w)]
	var d float32
	i := 0
	for ; i+4 <= len(w); i += 4 {
		d += abs32(w[i]-p[i]) + abs32(w[i+1]-p[i+1]) + abs32(w[i+2]-p[i+2]) + abs32(w[i+3]-p[i+3])
		if d > limit {
			return d
		}
	}
	for ; i < len(w); i++ {
		d += abs32(w[i] - p[i])
	}
	return d
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
