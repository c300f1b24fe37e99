package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

var _ = registerCommand(newRolloutCmd)

func cliUser() string {
	if u, err := user.Current(); err == nil {
		return "cli user " + u.Username
	}
	return "cli"
}

func newRolloutCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "rollout",
		Aliases: []string{"rollouts"},
		Short:   "Roll a catalog version out to a product's deployments, and control rollouts",
		Long: `A rollout moves every ACTIVE deployment of a product to a catalog version,
wave by wave, watching each wave for its bake time: a new reactive insight on
an updated deployment, or key metrics (error rate, latency, saturation)
significantly worse than deployments still on the old version, rolls the
wave back and stops the rollout. A running tend serve executes it; these
commands record what you ask and print its state. See docs/rollouts.md.`,
	}
	var version int
	var file string
	var s rollout.Strategy
	var bake, interval time.Duration
	var canary int
	start := &cobra.Command{
		Use:   "start PRODUCT --version V [--strategy one-at-a-time|canary|waves] [--file strategy.yaml]",
		Short: "Start a rollout",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, st *sqlstore.DB) error {
			strat := s
			if file != "" {
				data, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("read the strategy: %w", err)
				}
				parsed, err := rollout.ParseStrategy(data)
				if err != nil {
					return fmt.Errorf("%s: %w", file, err)
				}
				strat = parsed
				// Flags given beside the file win.
				if cmd.Flags().Changed("strategy") {
					strat.Strategy = s.Strategy
				}
				if cmd.Flags().Changed("max-concurrent") {
					strat.MaxConcurrent = s.MaxConcurrent
				}
			}
			if cmd.Flags().Changed("bake") {
				strat.Bake = rollout.Duration(bake)
			}
			if cmd.Flags().Changed("analysis-interval") {
				strat.AnalysisInterval = rollout.Duration(interval)
			}
			if canary > 0 {
				strat.Canary = &rollout.Selector{Count: canary}
			}
			cat := embedded.New(st.Catalog(), time.Now)
			fl, err := fleet.New(fleet.Options{Store: st, Catalog: cat, Providers: cliProviders})
			if err != nil {
				return err
			}
			eng, err := rollout.New(rollout.Options{Store: st, Catalog: cat, Deployer: fl})
			if err != nil {
				return err
			}
			r, err := eng.Start(cmd.Context(), rollout.StartRequest{Product: args[0], Version: version, Strategy: strat, By: cliUser()})
			var fe *fleet.FieldError
			var se *rollout.StrategyError
			switch {
			case errors.As(err, &fe):
				return fmt.Errorf("--%s: %s", fe.Field, fe.Reason)
			case errors.As(err, &se):
				return fmt.Errorf("strategy %s: %s", se.Field, se.Reason)
			case err != nil:
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Rollout %s of %s version %d: %s; tend serve executes it (tend rollout status %s)\n", r.ID, r.Product, r.Version, r.State, r.ID)
			return nil
		}),
	}
	start.Flags().IntVar(&version, "version", 0, "catalog version number to roll out (tend catalog versions PRODUCT)")
	start.Flags().StringVar(&file, "file", "", "the strategy as YAML (docs/rollouts.md)")
	start.Flags().StringVar(&s.Strategy, "strategy", "", "one-at-a-time (default), canary or waves")
	start.Flags().IntVar(&s.MaxConcurrent, "max-concurrent", 0, "deployments updated at once (default 1)")
	start.Flags().StringVar(&s.FailureTolerance, "failure-tolerance", "", "deployments of a wave that may fail: a count or a share such as 10%")
	start.Flags().DurationVar(&bake, "bake", 0, "time each wave is watched after it is deployed (default 10m)")
	start.Flags().DurationVar(&interval, "analysis-interval", 0, "how often the gates judge a baking wave (default 1m)")
	start.Flags().IntVar(&canary, "canary", 0, "deployments in the canary wave (strategy canary; default 1)")
	start.Flags().BoolVar(&s.Approval, "approval", false, "wait for approval (tend rollout approve) before every wave after the first")
	start.Flags().StringVar(&s.BlockOnReview, "block-on-review", "", "hold while the product's latest review has findings at or above: low, medium, high, critical")
	var product string
	var asJSON bool
	status := &cobra.Command{
		Use:   "status [ROLLOUT]",
		Short: "Show a rollout (the newest of --product, or list them)",
		Args:  cobra.MaximumNArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, st *sqlstore.DB) error {
			w := cmd.OutOrStdout()
			if len(args) == 0 {
				rs, err := st.Rollouts().List(cmd.Context(), store.RolloutFilter{Product: product, Limit: 20})
				if err != nil {
					return err
				}
				if len(rs) == 0 {
					fmt.Fprintln(w, "No rollouts.")
					return nil
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ROLLOUT\tPRODUCT\tVERSION\tSTATE\tWAVE\tCREATED\tSUMMARY")
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\tv%d\t%s\t%d\t%s\t%s\n", r.ID, r.Product, r.Version, r.State, r.Wave+1, r.CreatedAt.Format(time.RFC3339), cut(r.Summary, 100))
				}
				return tw.Flush()
			}
			r, err := st.Rollouts().Get(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no rollout %q (see tend rollout status)", args[0])
			}
			if err != nil {
				return err
			}
			steps, err := st.Rollouts().Steps(cmd.Context(), r.ID)
			if err != nil {
				return err
			}
			v := api.NewRolloutView(r, steps)
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			fmt.Fprintf(w, "rollout  %s\nproduct  %s → v%d\nstate    %s\nsummary  %s\n", v.ID, v.Product, v.Version, v.State, v.Summary)
			if v.PauseRequested || v.AbortRequested {
				fmt.Fprintf(w, "asked    pause=%t abort=%t by %s\n", v.PauseRequested, v.AbortRequested, v.ControlBy)
			}
			if v.Status != nil {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "\nWAVE\tNAME\tBAKE\tDEPLOYMENTS")
				for i, wv := range v.Status.Waves {
					mark := " "
					if i == v.Wave && store.RolloutActive(v.State) {
						mark = ">"
					}
					fmt.Fprintf(tw, "%s%d\t%s\t%s\t%s\n", mark, i+1, wv.Name, wv.Bake, strings.Join(wv.IDs, " "))
				}
				tw.Flush()
				if vd := v.Status.Verdict; vd != nil {
					fmt.Fprintf(w, "\nlast analysis %s: %s %s\n", vd.At.Format("15:04:05"), vd.Result, vd.Reason)
					for _, m := range vd.Metrics {
						fmt.Fprintf(w, "  %-10s %-7s canary %d samples median %.4g, baseline (%s) %d median %.4g, p %.2g\n", m.Metric, m.Result, m.Canary, m.CanaryMedian, m.BaselineFrom, m.Baseline, m.BaselineMedian, m.P)
					}
				}
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\n#\tSTEP\tSTATUS\tAT\tINPUT\tERROR")
			for _, s := range v.Steps {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", s.Seq, s.Name, s.Status, s.StartedAt.Format("15:04:05.000"), cut(string(s.Input), 80), cut(s.Error, 100))
			}
			return tw.Flush()
		}),
	}
	status.Flags().StringVar(&product, "product", "", "list only this product's rollouts")
	status.Flags().BoolVar(&asJSON, "json", false, "print the rollout as JSON with every step")
	control := func(action, short string) *cobra.Command {
		return &cobra.Command{
			Use:   action + " ROLLOUT",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: g.withStore(func(cmd *cobra.Command, args []string, st *sqlstore.DB) error {
				var r store.Rollout
				var err error
				if action == "approve" {
					r, err = st.Rollouts().Approve(cmd.Context(), args[0], cliUser(), time.Now())
				} else {
					r, err = st.Rollouts().Control(cmd.Context(), args[0], action, cliUser(), time.Now())
				}
				switch {
				case errors.Is(err, store.ErrNotFound):
					return fmt.Errorf("no rollout %q (see tend rollout status)", args[0])
				case errors.Is(err, store.ErrConflict):
					return fmt.Errorf("cannot %s rollout %s: it is %s", action, args[0], r.State)
				case err != nil:
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Rollout %s: %s (pause requested %t, abort requested %t)\n", r.ID, r.State, r.PauseRequested, r.AbortRequested)
				return nil
			}),
		}
	}
	cmd.AddCommand(start, status,
		control(store.RolloutPause, "Pause a rollout at its next safe point (between deployments or waves)"),
		control(store.RolloutResume, "Resume a paused rollout"),
		control(store.RolloutAbort, "Abort a rollout from any state; the unfinished wave is rolled back"),
		control("approve", "Let a rollout waiting for approval deploy its next wave"))
	return cmd
}
