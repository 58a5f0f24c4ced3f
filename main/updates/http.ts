// builder-util-runtime's HttpExecutor over Node's http/https, so electron-updater's feed fetch and sha512-verified download run without Electron.
import http from 'node:http';
import https from 'node:https';
import type { URL } from 'node:url';
import {
  HttpExecutor,
  configureRequestOptions,
  configureRequestUrl,
  type DownloadOptions,
} from 'builder-util-runtime';

/** The same shape Electron's executor has (electron-updater's electronHttpExecutor.js), with Node's client underneath. */
export class NodeHttpExecutor extends HttpExecutor<http.ClientRequest> {
  constructor(private readonly timeoutMs = 60_000) {
    super();
  }

  override createRequest(options: http.RequestOptions, callback: (response: http.IncomingMessage) => void): http.ClientRequest {
    const client = options.protocol === 'http:' ? http : https;
    // Redirects are followed by HttpExecutor itself (Location header), never by the client.
    return client.request({ timeout: this.timeoutMs, ...options }, callback);
  }

  /** Streams the file to `destination`; builder-util-runtime's DigestTransform refuses it when its sha512 differs. */
  async download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: http.RequestOptions = { headers: options.headers ?? undefined, timeout: this.timeoutMs };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        {
          destination,
          options,
          onCancel,
          callback: (error) => (error == null ? resolve(destination) : reject(error)),
          responseHandler: null,
        },
        0,
      );
    });
  }
}
