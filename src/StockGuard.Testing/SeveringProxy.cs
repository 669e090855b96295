using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace StockGuard.Testing;

/// <summary>
/// A TCP relay on loopback in front of a database server whose connections a test can cut at once, as a network
/// failure would: the client sees its connection reset while the server session lives on until it notices.
/// </summary>
public sealed class SeveringProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<Socket> _sockets = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    /// <summary>Starts relaying connections to <paramref name="host"/>:<paramref name="port"/>.</summary>
    public SeveringProxy(string host, int port)
    {
        _listener.Start();
        _accepting = AcceptAsync(host, port);
    }

    /// <summary>The loopback port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Resets every connection relayed so far, on both sides.</summary>
    public void Sever()
    {
        while (_sockets.TryDequeue(out var socket))
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Sever();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(string host, int port)
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(host, port, _stop.Token);
            _sockets.Enqueue(client);
            _sockets.Enqueue(server);
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Severed: both sockets are closed.
        }
    }
}
