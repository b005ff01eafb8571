/**
 * xterm's WebGL renderer only pays off on a real GPU. Without one Chromium runs WebGL in software
 * (SwiftShader, llvmpipe), 3–15x slower than the DOM renderer (docs/architecture.md, Budgets), so WebGL is
 * chosen only when the GL renderer string names hardware.
 */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render|microsoft basic|mesa offscreen|virgl/i;

let cached: { webgl: boolean; glRenderer: string } | null = null;

export function rendererChoice(): { webgl: boolean; glRenderer: string } {
  if (cached) return cached;
  let glRenderer = '';
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (gl) {
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      glRenderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    }
  } catch {
    // No WebGL at all: the DOM renderer it is.
  }
  cached = { webgl: glRenderer !== '' && !SOFTWARE_GL.test(glRenderer), glRenderer };
  return cached;
}
