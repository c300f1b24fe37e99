package rollout

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// PlannedWave is a wave with its deployments, fixed when the rollout
// starts (a deployment added later is not part of it).
type PlannedWave struct {
	Name string   `json:"name"`
	IDs  []string `json:"deployments"`
	Bake Duration `json:"bake"`
}

// Plan splits a product's deployments into waves as the strategy says.
// Deployments are taken in ID order; the deployments given are those the
// rollout updates (ACTIVE ones). Every deployment must land in a wave.
func Plan(s Strategy, deps []store.Deployment) ([]PlannedWave, error) {
	left := slices.Clone(deps)
	slices.SortFunc(left, func(a, b store.Deployment) int { return strings.Compare(a.ID, b.ID) })
	var waves []PlannedWave
	take := func(name string, sel *Selector, bake Duration) {
		var picked, rest []store.Deployment
		for _, d := range left {
			if sel == nil || sel.matches(d) {
				picked = append(picked, d)
			} else {
				rest = append(rest, d)
			}
		}
		if sel != nil {
			limit := len(picked)
			if sel.Count > 0 {
				limit = min(sel.Count, len(picked))
			} else if sel.Percent > 0 {
				limit = min(len(picked), max(1, int(math.Ceil(sel.Percent/100*float64(len(picked))))))
			}
			rest = append(rest, picked[limit:]...)
			picked = picked[:limit]
			slices.SortFunc(rest, func(a, b store.Deployment) int { return strings.Compare(a.ID, b.ID) })
		}
		left = rest
		if len(picked) == 0 {
			return
		}
		w := PlannedWave{Name: name, Bake: bake}
		for _, d := range picked {
			w.IDs = append(w.IDs, d.ID)
		}
		waves = append(waves, w)
	}
	if s.Canary != nil {
		take("canary", s.Canary, s.Bake)
	}
	switch s.Strategy {
	case OneAtATime, Canary:
		if s.Strategy == Canary && len(left) > 0 {
			take("rest", nil, s.Bake)
			break
		}
		for i := 0; len(left) > 0; i++ {
			n := min(s.MaxConcurrent, len(left))
			w := PlannedWave{Name: fmt.Sprintf("batch-%d", i+1), Bake: s.Bake}
			for _, d := range left[:n] {
				w.IDs = append(w.IDs, d.ID)
			}
			waves = append(waves, w)
			left = left[n:]
		}
	case Waves:
		for _, w := range s.Waves {
			bake := w.Bake
			if bake == 0 {
				bake = s.Bake
			}
			take(w.Name, w.Select, bake)
		}
	}
	if len(left) > 0 {
		var ids []string
		for _, d := range left {
			ids = append(ids, d.ID)
		}
		return nil, &StrategyError{Field: "waves", Reason: fmt.Sprintf("deployments %s are in no wave; add a last wave without select to take the rest", strings.Join(ids, ", "))}
	}
	return waves, nil
}

func (sel *Selector) matches(d store.Deployment) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	if !in(sel.IDs, d.ID) || !in(sel.Types, d.Type) || !in(sel.Accounts, d.Account) || !in(sel.Regions, d.Region) {
		return false
	}
	if len(sel.Tenants) > 0 {
		for _, t := range d.Tenants {
			if slices.Contains(sel.Tenants, t) {
				return true
			}
		}
		return false
	}
	return true
}

// bakeOf is a wave's bake time.
func (w PlannedWave) bakeOf() time.Duration { return time.Duration(w.Bake) }
