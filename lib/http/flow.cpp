// flow.cpp - FlowWorkload: compiled flows and the HTTP virtual user that runs them.
#include "perfgate/http/flow.hpp"

#include <fmt/format.h>

#include <boost/beast/http/field.hpp>
#include <random>

#include "perfgate/core/error.hpp"
#include "perfgate/core/random.hpp"

namespace perfgate::http {

namespace bhttp = boost::beast::http;
using metrics::ErrorKind;

struct FlowWorkload::Compiled {
  std::shared_ptr<const net::Origin> origin;
  VariableTable variables;
  std::vector<RequestTemplate> on_start;
  std::vector<std::vector<RequestTemplate>> behaviours;
  std::vector<std::string> behaviour_names;
  std::vector<double> cumulative_weights;
  std::vector<RequestTemplate> on_stop;
  std::function<std::map<std::string, std::string>(std::uint64_t)> user_variables;
  metrics::MetricId connect = 0, tls_handshake = 0, ttfb = 0;
  metrics::CounterId probes = 0, rejected = 0;

  // The variables user `index` starts with: its user_variables, the rest empty.
  Variables initial_values(std::uint64_t index) const {
    Variables values(variables.names().size());
    if (user_variables) {
      for (const auto& [name, value] : user_variables(index)) {
        if (auto i = variables.find(name)) values[*i] = value;
      }
    }
    return values;
  }
};

namespace {

class HttpUser final : public load::UserOf<FlowWorkload::Compiled> {
 public:
  using UserOf::UserOf;

  void start(load::Completion done) override {
    const auto start_tag = static_cast<std::uint16_t>(s_->behaviours.size());
    if (s_->on_start.empty()) return done({.counted = false});
    run(&s_->on_start, start_tag, std::move(done));
  }

  void iterate(load::Completion done) override {
    std::uniform_real_distribution<double> pick(0, s_->cumulative_weights.back());
    const double r = pick(rng_);
    std::size_t b = 0;
    while (b + 1 < s_->cumulative_weights.size() && r >= s_->cumulative_weights[b]) ++b;
    run(&s_->behaviours[b], static_cast<std::uint16_t>(b), std::move(done));
  }

  void stop(load::Completion done) override {
    const auto stop_tag = static_cast<std::uint16_t>(s_->behaviours.size() + 1);
    if (s_->on_stop.empty()) return done({.counted = false});
    run(&s_->on_stop, stop_tag, std::move(done));
  }

  void cancel() override { connection_.cancel(); }

 private:
  void run(const std::vector<RequestTemplate>* requests, std::uint16_t tag, load::Completion done) {
    requests_ = requests;
    next_ = 0;
    tag_ = tag;
    done_.hold(std::move(done));
    send_next();
  }

  void send_next() {
    if (next_ == requests_->size()) return complete(ErrorKind::kNone);
    const RequestTemplate& t = (*requests_)[next_];
    net::Request req;
    req.method(t.method);
    std::string target = s_->origin->url().base_path;
    t.target.render_into(values_, target);
    req.target(target);
    for (const auto& [key, value] : t.headers) req.set(key, value.render(values_));
    if (t.body) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = t.body->render(values_);
    }
    connection_.send(std::move(req), [this](net::Exchange&& ex) { on_exchange(std::move(ex)); });
  }

  void on_exchange(net::Exchange&& ex) {
    const RequestTemplate& t = (*requests_)[next_];
    auto& rec = ctx_.recorder;
    if (ex.connect) rec.record(s_->connect, ex.connect->count());
    if (ex.tls_handshake) rec.record(s_->tls_handshake, ex.tls_handshake->count());
    if (ex.ttfb) rec.record(s_->ttfb, ex.ttfb->count());
    if (ex.error != ErrorKind::kNone) return complete(ex.error);
    if (t.rejection_probe) {
      rec.add(s_->probes);
      if (ex.status == 401) rec.add(s_->rejected);
    }
    if (!t.status_ok(ex.status)) return complete(net::unexpected_status_kind(ex.status));
    if (!t.captures.empty() && !capture(t, ex.body)) return complete(ErrorKind::kProtocol);
    ++next_;
    send_next();
  }

  bool capture(const RequestTemplate& t, const std::string& body) {
    const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return false;
    for (const auto& c : t.captures) {
      if (!doc.contains(c.pointer)) return false;
      const auto& v = doc.at(c.pointer);
      values_[c.variable] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    return true;
  }

  void complete(ErrorKind error) { done_.fire({.error = error, .tag = tag_}); }

  net::Connection connection_{ctx_.io, s_->origin};
  Variables values_ = s_->initial_values(index_);
  core::SplitMix64 rng_{index_ * 2654435761u + 1};
  const std::vector<RequestTemplate>* requests_ = nullptr;
  std::size_t next_ = 0;
  std::uint16_t tag_ = 0;
  load::PendingCompletion done_;
};

}  // namespace

FlowWorkload::FlowWorkload(const net::Url& target, const net::ClientOptions& options,
                           const Flow& flow) {
  auto c = std::make_shared<Compiled>();
  if (flow.behaviours.empty()) throw core::Error("a flow needs at least one behaviour");
  double total = 0;
  for (const Behaviour& b : flow.behaviours) {
    if (!(b.weight > 0)) {
      throw core::Error(fmt::format("behaviour '{}': weight must be above 0", b.name));
    }
    if (b.requests.empty())
      throw core::Error(fmt::format("behaviour '{}' has no requests", b.name));
    std::vector<RequestTemplate> compiled;
    for (const RequestSpec& r : b.requests)
      compiled.push_back(RequestTemplate::compile(r, c->variables));
    c->behaviours.push_back(std::move(compiled));
    c->behaviour_names.push_back(b.name);
    total += b.weight;
    c->cumulative_weights.push_back(total);
  }
  for (const RequestSpec& r : flow.on_start)
    c->on_start.push_back(RequestTemplate::compile(r, c->variables));
  for (const RequestSpec& r : flow.on_stop)
    c->on_stop.push_back(RequestTemplate::compile(r, c->variables));
  c->user_variables = flow.user_variables;
  c->origin = std::make_shared<net::Origin>(target, options);
  compiled_ = std::move(c);
}

void FlowWorkload::declare(metrics::MetricSet& set) {
  auto& c = const_cast<Compiled&>(*compiled_);
  c.connect = set.histogram("connect");
  c.tls_handshake = set.histogram("tls_handshake");
  c.ttfb = set.histogram("ttfb");
  c.probes = set.counter("auth_probes");
  c.rejected = set.counter("auth_rejected");
  set.share("auth_rejection_rate", c.rejected, c.probes);
}

load::OperationTags FlowWorkload::tags() const {
  load::OperationTags tags{"behaviour", compiled_->behaviour_names};
  tags.values.emplace_back("start");
  tags.values.emplace_back("stop");
  return tags;
}

std::unique_ptr<load::VirtualUser> FlowWorkload::make_user(load::WorkerContext& ctx,
                                                           std::uint64_t user_index) {
  return std::make_unique<HttpUser>(ctx, compiled_, user_index);
}

}  // namespace perfgate::http
