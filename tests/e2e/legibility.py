"""Measures of how readable the inspector is on a page."""

from playwright.sync_api import Page


def contrast_ratio(page: Page, selector: str) -> float:
    """WCAG contrast between an element's text colour and the background it is drawn on."""
    return page.evaluate(
        """selector => {
            const luminance = color => {
                const [r, g, b] = color.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
                    v /= 255;
                    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const node = document.querySelector(selector);
            const text = getComputedStyle(node).color;
            let holder = node;
            while (holder && getComputedStyle(holder).backgroundColor === 'rgba(0, 0, 0, 0)') holder = holder.parentElement;
            const background = holder ? getComputedStyle(holder).backgroundColor : 'rgb(255, 255, 255)';
            const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
            return (light + 0.05) / (dark + 0.05);
        }""",
        selector,
    )


def overlapping_fields(page: Page) -> list[str]:
    """Labels of card fields whose label and value boxes overlap on the page."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.torchinspect-label')].flatMap(label => {
            const value = label.nextElementSibling;
            const [a, b] = [label.getBoundingClientRect(), value.getBoundingClientRect()];
            const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
            return apart ? [] : [label.textContent];
        })"""
    )
