// A single-page app: everything renders in the browser, against the API.
export const ssr = false;
export const prerender = false;
