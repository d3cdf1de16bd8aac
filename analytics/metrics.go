package analytics

import "github.com/prometheus/client_golang/prometheus"

var (
	pullsDesc = prometheus.NewDesc("syndicate_feed_pulls_total",
		"Feed pulls this replica answered 200 or 304, by kind (public or partner feed).", []string{"kind", "status"}, nil)
	subsDesc = prometheus.NewDesc("syndicate_feed_subscribers",
		"Subscribers feed readers last reported in their User-Agent, summed over feeds and readers, by kind.", []string{"kind"}, nil)
)

// Collector exports the counter's totals: two labels of two values each,
// never a label per feed or partner.
func (c *Counter) Collector() prometheus.Collector { return collector{c} }

type collector struct{ c *Counter }

func (m collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pullsDesc
	ch <- subsDesc
}

func (m collector) Collect(ch chan<- prometheus.Metric) {
	for _, k := range []Kind{Public, Partner} {
		ch <- prometheus.MustNewConstMetric(pullsDesc, prometheus.CounterValue, float64(m.c.Total(k, false)), k.String(), "200")
		ch <- prometheus.MustNewConstMetric(pullsDesc, prometheus.CounterValue, float64(m.c.Total(k, true)), k.String(), "304")
		ch <- prometheus.MustNewConstMetric(subsDesc, prometheus.GaugeValue, float64(m.c.Subscribers(k)), k.String())
	}
}
