// The REST client both pages use: JSON in, JSON out, errors as exceptions.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.error || body.message)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export class Rest {
  /** `root`: the server's root URL; `headers`: a function giving extra headers (auth). */
  constructor(root, headers = () => ({})) {
    this.base = new URL('api/v1/', root);
    this.headers = headers;
  }

  url(path, query) {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query || {})) {
      if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
      else if (value !== undefined && value !== null) url.searchParams.set(key, value);
    }
    return url;
  }

  async request(method, path, { query, body } = {}) {
    const init = { method, headers: { ...this.headers() } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(this.url(path, query), init);
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok || (data && data.success === false)) throw new ApiError(response.status, data);
    return data;
  }

  get(path, query) {
    return this.request('GET', path, { query });
  }

  post(path, body) {
    return this.request('POST', path, { body });
  }
}
