package app

import (
	"context"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/channel"
	"github.com/tendhq/tend/internal/store"
)

func init() { builders = append(builders, buildNotify) }

// buildNotify stores the configured channels (notify.channels), builds the
// outbox's dispatcher and serves /v1/channels.
func buildNotify(ctx context.Context, a *App) error {
	c := a.cfg.Notify
	log := a.log.With("component", "notify")
	if err := syncChannels(ctx, a.store, c.Channels, a.now); err != nil {
		return err
	}
	d, err := notify.New(notify.Options{
		Store: a.store, Wake: a.store.OutboxWake(), Logger: log, Registerer: a.reg, Now: a.now,
		Build: channel.Builder(channel.Env{Logger: log, Now: a.now, AWS: channel.DefaultAWS(a.cfg.AWS.Region, a.cfg.AWS.Profile)}),
		Lease: c.Lease, Poll: c.PollInterval, MaxAttempts: c.MaxAttempts, MinBackoff: c.MinBackoff, MaxBackoff: c.MaxBackoff,
		Retention: c.Retention, Concurrency: c.Concurrency,
	})
	if err != nil {
		return fmt.Errorf("build the notification dispatcher: %w", err)
	}
	a.runners["notify"] = d
	api.RegisterChannels(a.api, a.store, d, a.now)
	if len(c.Channels) > 0 {
		log.Info("notification channels ready", "configured", len(c.Channels))
	}
	return nil
}

// syncChannels makes the store's configuration-file channels those of the
// configuration: new and changed ones are stored, removed ones deleted.
// Channels added through the API are left alone; a configured channel
// takes over an API one of the same name.
func syncChannels(ctx context.Context, st store.Store, specs []notify.Spec, now func() time.Time) error {
	want := map[string]bool{}
	for _, s := range specs {
		want[s.Name] = true
		rec, err := s.Record(store.ChannelFromConfig, now())
		if err != nil {
			return err
		}
		if old, err := st.Channels().Get(ctx, s.Name); err == nil && old.Source == rec.Source && string(old.Spec) == string(rec.Spec) {
			continue
		}
		if err := st.Channels().Put(ctx, rec); err != nil {
			return fmt.Errorf("notify.channels: %w", err)
		}
	}
	list, err := st.Channels().List(ctx)
	if err != nil {
		return fmt.Errorf("notify.channels: %w", err)
	}
	for _, ch := range list {
		if ch.Source == store.ChannelFromConfig && !want[ch.Name] {
			if err := st.Channels().Delete(ctx, ch.Name); err != nil {
				return fmt.Errorf("notify.channels: remove %s: %w", ch.Name, err)
			}
		}
	}
	return nil
}

// baseURL is tend's own address for links in messages.
func (a *App) baseURL() string {
	addr := a.Addr()
	if addr == "" {
		addr = a.cfg.Server.Listen
	}
	return "http://" + addr
}
