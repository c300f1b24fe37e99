package detect

import "math"

const (
	shapeK      = 32 // prototypes a shape memory holds
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
	for k := range m.Proto[:m.Used] {
		p := m.Proto[k][:n]
		var d float32
		for i, x := range w {
			d += math.Float32frombits(math.Float32bits(x-p[i]) &^ (1 << 31)) // |x−p|
			if i&3 == 3 && d >= bd {
				break // already farther than the nearest so far
			}
		}
		if d < bd {
			bd, best = d, k
		}
	}
	dist := float64(bd) / float64(n)
	if best >= 0 && dist <= radius {
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
	if best < 0 {
		return 0
	}
	return dist / radius
}
