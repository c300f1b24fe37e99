package nab

import (
	"fmt"
	"math"
	"sort"
)

// scaledSigmoid is NAB's S(y): 2·sigmoid(−5y) − 1, and exactly −1 for y > 3.
func scaledSigmoid(y float64) float64 {
	if y > 3.0 {
		return -1.0
	}
	return 2*(1/(1+math.Exp(5*y))) - 1
}

// maxTP is S(−1), the value of a detection at a window's first row.
var maxTP = scaledSigmoid(-1)

// rowValues returns, for every row of f, the index of the window holding it
// (−1 if none) and the row's weighted value under p: the reward a detection
// there earns (inside a window) or the penalty it costs (outside).
func rowValues(f *File, p Profile) (win []int, val []float64) {
	n := f.Len()
	win = make([]int, n)
	val = make([]float64, n)
	next := 0               // next window not yet passed
	prevEnd, prevW := -1, 0 // last passed window
	for i := 0; i < n; i++ {
		win[i] = -1
		if next < len(f.Windows) && i >= f.Windows[next].Start {
			w := f.Windows[next]
			pos := -float64(w.End-i+1) / float64(w.Width())
			win[i] = next
			val[i] = p.TPWeight * scaledSigmoid(pos) / maxTP
			if i == w.End {
				prevEnd, prevW = w.End, w.Width()
				next++
			}
			continue
		}
		if prevEnd < 0 {
			val[i] = -1.0 * p.FPWeight
			continue
		}
		den := float64(prevW - 1)
		if den <= 0 {
			den = 1 // a one-row window; none in NAB, guard the division anyway
		}
		y := math.Abs(float64(i-prevEnd)) / den
		val[i] = p.FPWeight * scaledSigmoid(y)
	}
	return win, val
}

// Counts are per-row detection counts over scorable rows.
type Counts struct {
	TP, TN, FP, FN int
	// Detected is the number of windows with at least one detection.
	Detected int
	// Windows is the number of windows; Scorable the number of them with at
	// least one row after the probationary period. A window wholly inside
	// the probationary period is never scored (NAB's sweeper gives it no
	// part), but NAB's normalisation still counts it as a possible true
	// positive.
	Windows, Scorable int
}

func (c *Counts) add(o Counts) {
	c.TP += o.TP
	c.TN += o.TN
	c.FP += o.FP
	c.FN += o.FN
	c.Detected += o.Detected
	c.Windows += o.Windows
	c.Scorable += o.Scorable
}

// FileScore is one file's raw score at a threshold.
type FileScore struct {
	File *File
	// Raw is Σ window parts + Σ penalties of detections outside windows.
	Raw float64
	Counts
}

// ProfileScore is the corpus score under one profile at one threshold.
type ProfileScore struct {
	Profile   Profile
	Threshold float64
	// Raw is the sum of the files' raw scores. Null is the raw score of a
	// detector that detects nothing (−FN weight for each scorable window)
	// and Perfect the TP weight for each window, scorable or not: NAB's
	// runner normalises with exactly these two.
	Raw, Null, Perfect float64
	// Score is 100·(Raw − Null)/(Perfect − Null).
	Score float64
	Counts
	Files []FileScore
}

// Normalize maps a raw score to NAB's scale where null = 0 and perfect = 100.
func Normalize(raw, null, perfect float64) float64 {
	return 100 * (raw - null) / (perfect - null)
}

// Scores holds one detector's anomaly scores for each file, keyed by File.Key,
// one per data row.
type Scores map[string][]float64

// check verifies that s has the right number of scores for every file of c.
func (c *Corpus) check(s Scores) error {
	for _, f := range c.Files {
		got, ok := s[f.Key]
		if !ok {
			return fmt.Errorf("no results for %s", f.Key)
		}
		if len(got) != f.Len() {
			return fmt.Errorf("results for %s: %d rows, data has %d", f.Key, len(got), f.Len())
		}
	}
	return nil
}

// ScoreAt scores s under p with detection ⇔ score ≥ threshold.
func (c *Corpus) ScoreAt(s Scores, p Profile, threshold float64) (ProfileScore, error) {
	if err := c.check(s); err != nil {
		return ProfileScore{}, err
	}
	ps := ProfileScore{Profile: p, Threshold: threshold}
	for _, f := range c.Files {
		fs := scoreFile(f, s[f.Key], p, threshold)
		ps.Raw += fs.Raw
		ps.Counts.add(fs.Counts)
		ps.Files = append(ps.Files, fs)
	}
	ps.Null, ps.Perfect = NullPerfect(p, ps.Scorable, ps.Windows)
	ps.Score = Normalize(ps.Raw, ps.Null, ps.Perfect)
	return ps, nil
}

// NullPerfect returns the raw scores NAB normalises against for a set of
// windows of which scorable have a row after the probationary period.
func NullPerfect(p Profile, scorable, windows int) (null, perfect float64) {
	return -float64(scorable) * p.FNWeight, float64(windows) * p.TPWeight
}

// scorable reports whether window w of f has a row after the probationary
// period: only then does NAB's sweeper score it.
func (f *File) scorable(w int) bool { return f.Windows[w].End >= f.Probation }

func scoreFile(f *File, scores []float64, p Profile, t float64) FileScore {
	win, val := rowValues(f, p)
	parts := make([]float64, len(f.Windows))
	hit := make([]bool, len(f.Windows))
	fs := FileScore{File: f}
	fs.Windows = len(f.Windows)
	for i := range parts {
		if f.scorable(i) {
			parts[i] = -p.FNWeight
			fs.Scorable++
		}
	}
	fp := 0.0
	for i := f.Probation; i < len(scores); i++ {
		det := scores[i] >= t
		switch w := win[i]; {
		case w >= 0 && det:
			fs.TP++
			if !hit[w] || val[i] > parts[w] {
				parts[w] = val[i]
			}
			hit[w] = true
		case w >= 0:
			fs.FN++
		case det:
			fs.FP++
			fp += val[i]
		default:
			fs.TN++
		}
	}
	for w, v := range parts {
		fs.Raw += v
		if hit[w] {
			fs.Detected++
		}
	}
	fs.Raw += fp
	return fs
}

// Optimize runs NAB's threshold sweep for p: every distinct score among
// scorable rows (and 1.1, which detects nothing) is a candidate, and the
// candidate with the highest raw score wins, ties going to the higher
// threshold. It returns the corpus score at the winning threshold.
func (c *Corpus) Optimize(s Scores, p Profile) (ProfileScore, error) {
	if err := c.check(s); err != nil {
		return ProfileScore{}, err
	}
	t := c.sweep(s, p)
	return c.ScoreAt(s, p, t)
}

type pooled struct {
	score float64
	win   int // corpus-wide window id, −1 outside windows
	val   float64
}

func (c *Corpus) sweep(s Scores, p Profile) float64 {
	var pool []pooled
	nwin := 0
	for _, f := range c.Files {
		win, val := rowValues(f, p)
		sc := s[f.Key]
		for i := f.Probation; i < f.Len(); i++ {
			w := -1
			if win[i] >= 0 {
				w = nwin + win[i]
			}
			pool = append(pool, pooled{sc[i], w, val[i]})
		}
		nwin += len(f.Windows)
	}
	sort.SliceStable(pool, func(i, j int) bool { return pool[i].score > pool[j].score })
	parts := make([]float64, nwin)
	partSum := 0.0
	nwin = 0
	for _, f := range c.Files {
		for w := range f.Windows {
			if f.scorable(w) {
				parts[nwin] = -p.FNWeight
				partSum -= p.FNWeight
			}
			nwin++
		}
	}
	fpSum := 0.0
	best, bestT := partSum, 1.1
	for i := 0; i < len(pool); {
		t := pool[i].score
		for ; i < len(pool) && pool[i].score == t; i++ {
			r := pool[i]
			if r.win < 0 {
				fpSum += r.val
			} else if r.val > parts[r.win] {
				partSum += r.val - parts[r.win]
				parts[r.win] = r.val
			}
		}
		if v := partSum + fpSum; v > best {
			best, bestT = v, t
		}
	}
	return bestT
}
