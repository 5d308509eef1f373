import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request the fake server received.
public struct FakeRequest: Sendable {
    public var path: String
    public var query: [String: String]
    public var headers: [String: String]
    public var uri: String

    public init(path: String, query: [String: String] = [:], headers: [String: String] = [:], uri: String? = nil) {
        self.path = path
        self.query = query
        self.headers = headers
        self.uri = uri ?? path
    }
}

/// What the fake server answers, faults included.
public indirect enum FakeResponse: Sendable {
    /// A response with a status, headers and a body.
    case reply(status: Int, headers: [String: String], body: Data)
    /// Close the connection without answering.
    case dropConnection
    /// Announce the whole body's length, send half of it, then close.
    case truncated(Data)
    /// Answer after a delay.
    case delayed(Duration, FakeResponse)

    /// A 200 JSON response.
    public static func json(_ body: Data) -> FakeResponse {
        .reply(status: 200, headers: ["Content-Type": "application/json"], body: body)
    }

    /// A bare status, optionally with headers.
    public static func status(_ code: Int, headers: [String: String] = [:]) -> FakeResponse {
        .reply(status: code, headers: headers, body: Data("{\"detail\":\"status \(code)\"}".utf8))
    }
}

/// An HTTP server on 127.0.0.1 that stands in for a station's API in tests and benchmarks.
/// It never reaches the internet; it answers with whatever `handler` says.
public final class FakeStationServer: Sendable {
    public typealias Handler = @Sendable (FakeRequest) -> FakeResponse

    let channel: Channel
    let recorded = Mutex<[FakeRequest]>([])
    /// The root URL, such as `http://127.0.0.1:54321`.
    public let baseURL: URL

    /// Starts a server on an ephemeral loopback port (`host` another loopback address, such as
    /// 127.0.0.2, to stand in for a second host).
    public static func start(host: String = "127.0.0.1", handler: @escaping Handler) async throws -> FakeStationServer {
        let box = RecorderBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(FakeHTTPHandler(handler: handler, record: { box.record?($0) }))
                }
            }
            .bind(host: host, port: 0).get()
        let server = FakeStationServer(channel: channel, host: host)
        box.record = { [weak server] request in server?.recorded.withLock { $0.append(request) } }
        return server
    }

    init(channel: Channel, host: String = "127.0.0.1") {
        self.channel = channel
        self.baseURL = URL(string: "http://\(host):\(channel.localAddress?.port ?? 0)")!
    }

    /// Every request received so far, in order.
    public var requests: [FakeRequest] { recorded.withLock { $0 } }

    public func shutdown() async throws {
        try await channel.close()
    }
}

/// Lets the channel initializer reach the server object created after binding.
final class RecorderBox: @unchecked Sendable {
    // Written once before the first request can arrive (right after bind), then only read.
    var record: (@Sendable (FakeRequest) -> Void)?
}

final class FakeHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    // Confined to its channel's event loop, as NIO handlers are.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let handler: FakeStationServer.Handler
    let record: @Sendable (FakeRequest) -> Void
    var head: HTTPRequestHead?

    init(handler: @escaping FakeStationServer.Handler, record: @escaping @Sendable (FakeRequest) -> Void) {
        self.handler = handler
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            let components = URLComponents(string: head.uri)
            let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            let headers = Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
            let request = FakeRequest(path: components?.path ?? head.uri, query: query, headers: headers, uri: head.uri)
            record(request)
            respond(handler(request), context: context, keepAlive: head.isKeepAlive)
        }
    }

    func respond(_ response: FakeResponse, context: ChannelHandlerContext, keepAlive: Bool) {
        switch response {
        case .delayed(let delay, let inner):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(
                in: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
            ) {
                let (handler, context) = loopBound.value
                handler.respond(inner, context: context, keepAlive: keepAlive)
            }
        case .dropConnection:
            context.close(promise: nil)
        case .truncated(let body):
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(body.count)")])
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            let half = body.prefix(body.count / 2)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: half))))).whenComplete { _ in
                bound.value.close(promise: nil)
            }
        case .reply(let status, let extra, let body):
            var headers = HTTPHeaders(extra.map { ($0.key, $0.value) })
            headers.replaceOrAdd(name: "Content-Length", value: "\(body.count)")
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { bound.value.close(promise: nil) }
            }
        }
    }
}
