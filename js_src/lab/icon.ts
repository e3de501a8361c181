/** The tensor icon of the sidebar's tab and the inspector's tab: a small grid of values. */

import { LabIcon } from '@jupyterlab/ui-components';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h5v5H3zM9.5 3h5v5h-5zM16 3h5v5h-5zM3 9.5h5v5H3zM9.5 9.5h5v5h-5zM3 16h5v5H3z"/>
    <path d="M16 9.5h5v5h-5zM9.5 16h5v5h-5zM16 16h5v5h-5z" opacity=".45"/>
  </g>
</svg>`;

export const tensorIcon = new LabIcon({ name: 'torchinspect:tensor', svgstr: svg });
