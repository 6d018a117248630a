"""The Learn page's LaTeX formulas (rendered with ``st.latex``): the GAN objective, losses and recurrences."""

# 1. GANs
MINIMAX = (r"\min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_\text{data}}\big[\log D(x)\big]"
           r" + \mathbb{E}_{z \sim p(z)}\big[\log\big(1 - D(G(z))\big)\big]")
D_LOSS = (r"\mathcal{L}_D = -\,\mathbb{E}_x\big[\log D(x)\big]"
          r" - \mathbb{E}_z\big[\log\big(1 - D(G(z))\big)\big]")
G_LOSS_SATURATING = r"\mathcal{L}_G^\text{sat} = \mathbb{E}_z\big[\log\big(1 - D(G(z))\big)\big]"
G_LOSS_NON_SATURATING = r"\mathcal{L}_G^\text{NS} = -\,\mathbb{E}_z\big[\log D(G(z))\big]"
EQUILIBRIUM = (r"D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_G(x)} \;\xrightarrow{\;p_G = p_\text{data}\;}\; "
               r"\tfrac12, \qquad \mathcal{L}_D = 2\ln 2 \approx 1.386, \qquad \mathcal{L}_G^\text{NS} = \ln 2 \approx 0.693")

# 2. recurrent G and D
RECURRENCE = (r"h_t = \mathrm{GRU}\big(h_{t-1},\,[z_t; s]\big),\quad \tilde x_t = \sigma(W h_t + b)"
              r"\qquad\qquad g_t = \mathrm{GRU}(g_{t-1},\,x_t),\quad D_t = \sigma(v^\top g_t + c)")
PER_STEP_LOSS = (r"\mathcal{L}_D = -\frac{1}{T}\sum_{t=1}^{T}\Big[\log D_t(x) + \log\big(1 - D_t(G(z))\big)\Big]"
                 r",\qquad \mathcal{L}_G = -\frac{1}{T}\sum_{t=1}^{T}\log D_t(G(z))"
                 r" + \lambda\,\big(\lvert\bar{\tilde x} - \bar x\rvert + \lvert\sigma_{\tilde x} - \sigma_x\rvert\big)")
