package web

import (
	"net/http"

	"github.com/tendhq/tend/internal/store"
)

type channelsData struct {
	Channels     []store.Channel
	Queues       map[string]store.ChannelQueue
	Undispatched int
	Dead         []store.Delivery
}

// channels lists the notification channels with their last delivery and
// error, their queue, and the latest dead letters.
func (u *UI) channels(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	chs, err := u.o.Store.Channels().List(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	st, err := u.o.Store.Outbox().Stats(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	dead, err := u.o.Store.Outbox().Deliveries(ctx, store.DeliveryFilter{State: store.DeliveryDead, Limit: 20})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, "channels.html", channelsData{Channels: chs, Queues: st.Channels, Undispatched: st.Undispatched, Dead: dead})
}
