package remediate

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	problems *prometheus.CounterVec
	runs     *prometheus.CounterVec
	steps    *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) metrics {
	m := metrics{
		problems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tend_problems_received_total", Help: "Problem deliveries accepted, by source and whether they were new or a duplicate.",
		}, []string{"source", "result"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tend_remediation_runs_total", Help: "Remediation runs finished, by policy and outcome.",
		}, []string{"policy", "outcome"}),
		steps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tend_remediation_step_seconds", Help: "Time to execute a remediation step, by step.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"step"}),
	}
	if reg != nil {
		reg.MustRegister(m.problems, m.runs, m.steps)
	}
	return m
}
