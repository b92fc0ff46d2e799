//! Where the harness's events go: librdkafka's in-process mock cluster by default, or a real
//! Kafka-protocol cluster (`--brokers`). Each run gets a topic of its own, so its offsets start
//! at 0 and the sum of the stored offsets counts what was made durable.

use std::time::Duration;

use anyhow::Context;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::ClientConfig;

use crate::ingest::consumer::ConsumerConfig;

/// A broker to run against.
pub struct Broker {
    /// Bootstrap servers.
    pub bootstrap: String,
    /// Whether it is the in-process mock cluster.
    pub in_process: bool,
    /// librdkafka properties every client of it gets (security, `--kafka-option`s).
    pub options: Vec<(String, String)>,
    _mock: Option<MockCluster<'static, DefaultProducerContext>>,
}

impl Broker {
    /// The in-process mock cluster (one broker), alive as long as the value.
    pub fn in_process() -> anyhow::Result<Broker> {
        let mock = MockCluster::new(1).context("starting the in-process Kafka")?;
        Ok(Broker {
            bootstrap: mock.bootstrap_servers(),
            in_process: true,
            options: Vec::new(),
            _mock: Some(mock),
        })
    }

    /// A real cluster at `bootstrap`, reached with `options`.
    pub fn external(bootstrap: &str, options: Vec<(String, String)>) -> Broker {
        Broker { bootstrap: bootstrap.to_string(), in_process: false, options, _mock: None }
    }

    /// `--brokers` (reached with `options`) if given, else the in-process cluster.
    pub fn from_option(
        brokers: Option<&str>,
        options: Vec<(String, String)>,
    ) -> anyhow::Result<Broker> {
        match brokers {
            Some(brokers) => Ok(Broker::external(brokers, options)),
            None => Broker::in_process(),
        }
    }

    /// Human-readable description.
    pub fn describe(&self) -> String {
        if self.in_process {
            format!("in-process Kafka (mock cluster at {})", self.bootstrap)
        } else {
            format!("Kafka at {}", self.bootstrap)
        }
    }

    /// Takes the in-process broker down (connections closed, new ones refused; its log is
    /// kept), as a broker restart looks to clients. Fails on a real cluster.
    pub fn take_down(&self) -> anyhow::Result<()> {
        let mock = self._mock.as_ref().context("only the in-process broker can be taken down")?;
        mock.broker_down(1).context("taking the broker down")?;
        Ok(())
    }

    /// Brings the in-process broker back.
    pub fn bring_up(&self) -> anyhow::Result<()> {
        let mock = self._mock.as_ref().context("only the in-process broker can be brought up")?;
        mock.broker_up(1).context("bringing the broker up")?;
        Ok(())
    }

    /// Creates `topic` with `partitions` (replication 1).
    pub async fn create_topic(&self, topic: &str, partitions: i32) -> anyhow::Result<()> {
        if let Some(mock) = &self._mock {
            mock.create_topic(topic, partitions, 1).context("creating the topic")?;
            return Ok(());
        }
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap);
        for (key, value) in &self.options {
            config.set(key, value);
        }
        let admin: AdminClient<DefaultClientContext> = config.create()?;
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let results = admin
            .create_topics(
                &[NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
                &options,
            )
            .await
            .with_context(|| format!("creating topic {topic} on {}", self.bootstrap))?;
        for result in results {
            result.map_err(|(topic, code)| anyhow::anyhow!("creating topic {topic}: {code}"))?;
        }
        Ok(())
    }

    /// Consumer settings for `group` on `topic`: KIP-848 on the mock cluster (joins at once),
    /// the classic protocol with short timeouts elsewhere (tansu joins in ~3 s with them).
    pub fn consumer_config(&self, group: &str, topic: &str) -> ConsumerConfig {
        let mut config = ConsumerConfig::new(&self.bootstrap, group, vec![topic.to_string()]);
        config.options = self.options.clone();
        if self.in_process {
            config.kip848()
        } else {
            config.short_timeouts()
        }
    }
}
